"""Ledger pages: the programme money summary, trial balance, accounts and their statements,
journals, and exchange rates. Every read goes through `minka.ledger.selectors`."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from minka.core.errors import DomainError
from minka.core.money import Money
from minka.core.tabular import write_csv, write_xlsx
from minka.ledger import reports, selectors
from minka.ledger.forms import (
    AccountFilterForm,
    AsOfForm,
    ExchangeRateForm,
    JournalFilterForm,
    PeriodForm,
)
from minka.ledger.models import AccountKind
from minka.ledger.services import exchange_rate_record
from minka.programmes.models import Programme

EXPORT_FORMATS = ("csv", "xlsx")
STAGE_LABELS = dict(AccountKind.choices)
DIMENSION_TITLES = {
    "total": _l("Programme totals"),
    "source": _l("By funding source"),
    "concept": _l("By budget concept"),
    "organization": _l("By organization"),
    "territory": _l("By territory"),
}
STATEMENT_COLUMNS = [
    reports.TableColumn("date", _l("Date"), "text"),
    reports.TableColumn("journal", _l("Journal"), "text"),
    reports.TableColumn("kind", _l("Kind"), "text"),
    reports.TableColumn("memo", _l("Memo"), "text"),
    reports.TableColumn("reference", _l("Reference"), "text"),
    reports.TableColumn("debit", _l("Debit")),
    reports.TableColumn("credit", _l("Credit")),
    reports.TableColumn("balance", _l("Balance")),
]


# --- helpers -----------------------------------------------------------------------------------


def _display(column: reports.TableColumn, row: dict[str, Any]) -> Any:
    value = reports.table_value(column, row, as_money=True)
    if column.kind == "percent" and value is not None:
        return f"{value} %"
    return value


def display_rows(
    columns: Sequence[reports.TableColumn], rows: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Rows as the templates show them: money as Money (with its symbol), blanks as None."""
    return [
        {
            "cells": [(column, _display(column, row)) for column in columns],
            "total": row.get("total", False),
            "depth": row.get("depth", 0),
            "row": row,
        }
        for row in rows
    ]


def export_response(
    columns: Sequence[reports.TableColumn],
    rows: Iterable[dict[str, Any]],
    *,
    fmt: str,
    name: str,
    title: str,
) -> HttpResponse:
    """A CSV or XLSX download: amounts in major units as numbers, text neutralised against
    formula injection by `minka.core.tabular`."""
    header = [(column.key, str(column.label)) for column in columns]
    plain = ({c.key: reports.table_value(c, row) for c in columns} for row in rows)
    if fmt == "xlsx":
        body = write_xlsx(plain, header, sheet_title=title[:31])
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = write_csv(plain, header)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{slugify(name)}.{fmt}"'
    return response


def _page(request: HttpRequest, items: Any, per_page: int = 50) -> Any:
    return Paginator(items, per_page=per_page).get_page(request.GET.get("page"))


def _querystring(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _as_of(request: HttpRequest) -> tuple[AsOfForm, datetime.date | None, str]:
    form = AsOfForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data.get("as_of"), form.cleaned_data.get("currency") or ""
    return form, None, ""


def _check_format(fmt: str) -> None:
    if fmt not in EXPORT_FORMATS:
        raise Http404


def _nav(request: HttpRequest, programme: Programme, current: str) -> dict[str, Any]:
    return {
        "programme": programme,
        "current": current,
        "whole_books": selectors.reads_whole_books(user=request.user, programme=programme),
    }


# --- summary -----------------------------------------------------------------------------------


@login_required
def summary(request: HttpRequest) -> HttpResponse:
    """The programme money summary: budget, commitments, disbursements and accounted spending,
    in total and by funding source, budget concept, organization and territory."""
    programmes = list(selectors.ledger_programmes(user=request.user))
    chosen = request.GET.get("programme", "")
    programme = next((p for p in programmes if str(p.pk) == chosen), None)
    if chosen and programme is None:
        raise Http404
    programme = programme or (programmes[0] if programmes else None)
    form, as_of, _currency = _as_of(request)
    context: dict[str, Any] = {"programmes": programmes, "programme": programme, "form": form}
    if programme is not None:
        result = selectors.money_summary(user=request.user, programme=programme, as_of=as_of)
        tables = []
        for dimension in ("total", *selectors.SUMMARY_DIMENSIONS):
            columns, rows = result.table(dimension)
            tables.append(
                {
                    "dimension": dimension,
                    "title": DIMENSION_TITLES[dimension],
                    "columns": columns,
                    "rows": display_rows(columns, rows),
                }
            )
        context.update(
            summary=result,
            tables=tables,
            as_of=as_of,
            query=_querystring(request),
            current="summary",
            whole_books=result.whole_books,
        )
    return render(request, "ledger/summary.html", context)


@login_required
def summary_export(request: HttpRequest, programme: int, dimension: str, fmt: str) -> HttpResponse:
    _check_format(fmt)
    if dimension not in DIMENSION_TITLES:
        raise Http404
    chosen = selectors.get_ledger_programme_for_user(user=request.user, pk=programme)
    _form, as_of, _currency = _as_of(request)
    result = selectors.money_summary(
        user=request.user,
        programme=chosen,
        as_of=as_of,
        dimensions=[] if dimension == "total" else [dimension],
    )
    columns, rows = result.table(dimension)
    title = str(DIMENSION_TITLES[dimension])
    return export_response(columns, rows, fmt=fmt, name=f"{chosen.code}-{dimension}", title=title)


# --- trial balance -----------------------------------------------------------------------------


@login_required
def trial_balance(request: HttpRequest, programme: int) -> HttpResponse:
    chosen = selectors.get_books_programme_for_user(user=request.user, pk=programme)
    form, as_of, currency = _as_of(request)
    sheets = selectors.trial_balance(
        user=request.user, programme=chosen, currency=currency, as_of=as_of
    )
    columns = reports.TRIAL_BALANCE_COLUMNS
    context = {
        **_nav(request, chosen, "trial-balance"),
        "form": form,
        "sheets": [
            (sheet, display_rows(columns, reports.trial_balance_table([sheet], STAGE_LABELS)))
            for sheet in sheets
        ],
        "columns": columns,
        "query": _querystring(request),
    }
    return render(request, "ledger/trial_balance.html", context)


@login_required
def trial_balance_export(request: HttpRequest, programme: int, fmt: str) -> HttpResponse:
    _check_format(fmt)
    chosen = selectors.get_books_programme_for_user(user=request.user, pk=programme)
    _form, as_of, currency = _as_of(request)
    sheets = selectors.trial_balance(
        user=request.user, programme=chosen, currency=currency, as_of=as_of
    )
    return export_response(
        reports.TRIAL_BALANCE_COLUMNS,
        reports.trial_balance_table(sheets, STAGE_LABELS),
        fmt=fmt,
        name=f"{chosen.code}-trial-balance",
        title=_("Trial balance"),
    )


# --- accounts ----------------------------------------------------------------------------------


@login_required
def account_list(request: HttpRequest, programme: int) -> HttpResponse:
    chosen = selectors.get_ledger_programme_for_user(user=request.user, pk=programme)
    form = AccountFilterForm(request.GET or None)
    page = _page(
        request, selectors.account_list(user=request.user, programme=chosen, params=request.GET)
    )
    context = {
        **_nav(request, chosen, "accounts"),
        "form": form,
        "page": page,
        "rows": [
            (
                account,
                Money(account.debits_minor, account.currency),
                Money(account.credits_minor, account.currency),
                Money(account.balance_minor, account.currency),
            )
            for account in page.object_list
        ],
        "query": _querystring(request),
    }
    return render(request, "ledger/accounts.html", context)


def _statement(request: HttpRequest, pk: int) -> tuple[PeriodForm, selectors.Statement]:
    account = selectors.get_account_for_user(user=request.user, pk=pk)
    form = PeriodForm(request.GET or None)
    period: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        period = {
            "date_from": form.cleaned_data.get("date_from"),
            "date_to": form.cleaned_data.get("date_to"),
        }
    statement = selectors.account_statement(user=request.user, account=account, **period)
    return form, statement


def _statement_row(leg: Any, currency: str) -> dict[str, Any]:
    return {
        "date": leg.journal.effective_date,
        "journal": leg.journal_id,
        "kind": leg.journal.get_kind_display(),
        "memo": leg.journal.memo,
        "reference": leg.journal.reference,
        "debit": leg.amount_minor if leg.amount_minor > 0 else None,
        "credit": -leg.amount_minor if leg.amount_minor < 0 else None,
        "balance": leg.running_minor,
        "currency": currency,
    }


@login_required
def account_statement(request: HttpRequest, pk: int) -> HttpResponse:
    form, statement = _statement(request, pk)
    account = statement.account
    page = _page(request, statement.lines, per_page=100)
    currency = account.currency
    context = {
        **_nav(request, account.programme, "accounts"),
        "account": account,
        "form": form,
        "statement": statement,
        "page": page,
        "lines": [
            (
                leg,
                {
                    **row,
                    "balance_money": Money(row["balance"], currency),
                    "debit_money": Money(row["debit"], currency) if row["debit"] else None,
                    "credit_money": Money(row["credit"], currency) if row["credit"] else None,
                },
            )
            for leg in page.object_list
            for row in [_statement_row(leg, currency)]
        ],
        "opening": Money(statement.opening_minor, currency),
        "closing": Money(statement.closing_minor, currency),
        "debits": Money(statement.debits_minor, currency),
        "credits": Money(statement.credits_minor, currency),
        "query": _querystring(request),
    }
    return render(request, "ledger/account.html", context)


@login_required
def account_statement_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    _check_format(fmt)
    _form, statement = _statement(request, pk)
    account = statement.account
    rows = (_statement_row(leg, account.currency) for leg in statement.lines.iterator())
    return export_response(
        STATEMENT_COLUMNS,
        rows,
        fmt=fmt,
        name=f"account-{account.pk}-statement",
        title=_("Statement"),
    )


# --- journals ----------------------------------------------------------------------------------


@login_required
def journal_list(request: HttpRequest, programme: int) -> HttpResponse:
    chosen = selectors.get_books_programme_for_user(user=request.user, pk=programme)
    form = JournalFilterForm(request.GET or None)
    page = _page(
        request, selectors.journal_list(user=request.user, programme=chosen, params=request.GET)
    )
    context = {
        **_nav(request, chosen, "journals"),
        "form": form,
        "page": page,
        "query": _querystring(request),
    }
    return render(request, "ledger/journals.html", context)


@login_required
def journal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    journal = selectors.get_journal_for_user(user=request.user, pk=pk)
    legs = list(selectors.journal_legs(user=request.user, journal=journal))
    context = {
        **_nav(request, journal.programme, "journals"),
        "journal": journal,
        "legs": [
            (
                leg,
                Money(leg.amount_minor, leg.currency) if leg.amount_minor > 0 else None,
                Money(-leg.amount_minor, leg.currency) if leg.amount_minor < 0 else None,
            )
            for leg in legs
        ],
        "reversed_by": getattr(journal, "reversed_by", None),
        "intact": selectors.journal_hash_intact(journal=journal, legs=legs),
        "audit_event": selectors.journal_audit_event(journal=journal),
    }
    return render(request, "ledger/journal.html", context)


# --- exchange rates ----------------------------------------------------------------------------


@login_required
def rate_list(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.exchange_rate_list(user=request.user, params=request.GET))
    context = {
        "page": page,
        "rows": [
            (rate, Decimal(rate.rate_millionths).scaleb(-6).normalize())
            for rate in page.object_list
        ],
        "may_record": selectors.may_record_rates(request.user),
        "query": _querystring(request),
    }
    return render(request, "ledger/rates.html", context)


@login_required
def rate_create(request: HttpRequest) -> HttpResponse:
    if not selectors.may_record_rates(request.user):
        raise PermissionDenied
    form = ExchangeRateForm(request.POST or None)
    back = reverse("ledger-rates")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            exchange_rate_record(
                user=request.user,
                date=data["date"],
                base=data["base"],
                quote=data["quote"],
                rate=data["rate"],
                source=data["source"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("Exchange rate recorded."))
            return redirect(back)
    return render(
        request,
        "core/action_form.html",
        {"title": _("Record an exchange rate"), "back": back, "form": form},
    )
