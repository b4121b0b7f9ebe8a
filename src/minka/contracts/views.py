"""Contract pages: list, worklist, the contract's page with every step, and one small page per
step (each calls one service)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from minka.contracts import selectors, services
from minka.contracts.forms import (
    AddendumForm,
    CancelForm,
    ContractForm,
    DecisionForm,
    DepositForm,
    ExecuteForm,
    ExpenseLineFormSet,
    ExpenseReportForm,
    LiftForm,
    LineFormSet,
    LiquidationForm,
    MidtermForm,
    MisuseForm,
    ReasonForm,
    ReviewForm,
    SignForm,
    to_money,
)
from minka.contracts.models import Contract, ContractState, ExpenseReport, MisuseFlag, Tranche
from minka.core.actions import action_page, button_action
from minka.core.errors import DomainError
from minka.core.history import history_rows
from minka.core.scope import can, user_scope
from minka.core.ui import Column, Entity, Filter, register
from minka.geo.selectors import area_filter_choices
from minka.programmes.selectors import programme_list

CONTRACT = register(
    Entity(
        slug="contracts",
        model=Contract,
        title=_l("Contracts"),
        list_selector=selectors.contract_list,
        get_selector=selectors.get_contract_for_user,
        columns=[
            Column("code", _l("Code"), link=True),
            Column("organization.name", _l("Organization")),
            Column("get_instrument_display", _l("Instrument")),
            Column("project_amount", _l("Project share")),
            Column("get_state_display", _l("State")),
            Column("programme.code", _l("Programme")),
        ],
        detail_fields=[],
        filters=[
            Filter("state", _l("State"), lambda user: list(ContractState.choices)),
            Filter("area", _l("Area"), area_filter_choices),
        ],
        search_help=_l("Code, organization or title"),
    )
)


def _contract(request: HttpRequest, pk: int, action: str = "change") -> Contract:
    return selectors.get_contract_for_user(user=request.user, pk=pk, action=action)


def _back(contract: Contract) -> str:
    return reverse("contracts-detail", args=[contract.pk])


@login_required
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk, "view")
    may_manage = can(request.user, "change", contract)
    tranches = [
        (
            tranche,
            services.tranche_blockers(contract, tranche) if tranche.state == "pending" else [],
        )
        for tranche in contract.tranches.all()
    ]
    context = {
        "contract": contract,
        "lines": contract.lines.all(),
        "totals": services.totals(contract),
        "position": services.money_position(contract),
        "parties": contract.parties.select_related("organization", "president", "treasurer"),
        "tranches": tranches,
        "deposits": contract.deposits.all(),
        "atfs": contract.atfs.select_related(
            "tranche", "prepared_by", "approved_by", "executed_by"
        ),
        "reports": contract.expense_reports.prefetch_related("lines"),
        "flags": contract.misuse_flags.select_related("raised_by", "lifted_by"),
        "addenda": contract.addenda.all(),
        "liquidation": getattr(contract, "liquidation", None),
        "history": history_rows(contract),
        "may_manage": may_manage,
        "is_manager": user_scope(request.user).change.everything
        or contract.programme_id in user_scope(request.user).change.programme_ids,
        "may_report": may_manage or services._represents(request.user, contract),
    }
    return render(request, "contracts/contract_detail.html", context)


@login_required
def contract_create(request: HttpRequest) -> HttpResponse:
    programmes = [
        p
        for p in programme_list(user=request.user)
        if p.pk in user_scope(request.user).change.programme_ids
        or user_scope(request.user).change.everything
    ]
    if not programmes:
        raise Http404
    programme = next(
        (p for p in programmes if str(p.pk) == request.GET.get("programme")), programmes[0]
    )
    form = ContractForm(request.POST or None, programme=programme)
    lines = LineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = form.cleaned_data
        currency = programme.currency
        line_inputs = [
            services.LineInput(
                concept=row["concept"],
                description=row.get("description", ""),
                project=to_money(row.get("project"), currency),
                organization=to_money(row.get("organization"), currency),
                other=to_money(row.get("other"), currency),
            )
            for row in lines.cleaned_data
            if row.get("concept")
        ]
        try:
            contract = services.contract_create(
                user=request.user,
                programme=programme,
                local_office=data["local_office"],
                organization=data["organization"],
                instrument=data["instrument"],
                title=data["title"],
                funding_source=data["funding_source"],
                term_months=data["term_months"],
                lines=line_inputs,
                justification=data["justification"],
                member_organizations=data["members"],
                head_office_authorised=data["head_office_authorised"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("Contract %(code)s created.") % {"code": contract.code})
            return redirect(_back(contract))
    return render(
        request,
        "contracts/contract_form.html",
        {"form": form, "lines": lines, "programme": programme, "programmes": programmes},
    )


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    return render(request, "contracts/worklist.html", selectors.worklist(user=request.user))


@login_required
def contract_decide(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    return action_page(
        request,
        title=_("Decide on %(code)s") % {"code": contract.code},
        back=_back(contract),
        form=DecisionForm(request.POST or None),
        run=lambda d: services.contract_decide(
            user=request.user,
            contract=contract,
            approve=d["decision"] == "approve",
            reason=d["reason"],
        ),
    )


@login_required
def contract_sign(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    return action_page(
        request,
        title=_("Record the signing of %(code)s") % {"code": contract.code},
        intro=_(
            "The organizations' current presidents and treasurers are recorded as signatories, "
            "and the project share is committed against the budget."
        ),
        back=_back(contract),
        form=SignForm(request.POST or None),
        run=lambda d: services.contract_sign(
            user=request.user, contract=contract, signed_on=d["signed_on"]
        ),
    )


@login_required
def deposit_add(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk, "view")
    return action_page(
        request,
        title=_("Counterpart deposit for %(code)s") % {"code": contract.code},
        back=_back(contract),
        form=DepositForm(request.POST or None),
        run=lambda d: services.counterpart_deposit_record(
            user=request.user,
            contract=contract,
            kind=d["kind"],
            slip_number=d["slip_number"],
            deposited_on=d["deposited_on"],
            amount=to_money(d["amount"], contract.currency),
            description=d["description"],
        ),
    )


@login_required
def atf_prepare(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    contract = _contract(request, pk)
    tranche = get_object_or_404(Tranche, contract=contract, number=number)
    return button_action(
        request,
        run=lambda: services.atf_prepare(user=request.user, contract=contract, tranche=tranche),
        success=lambda atf: (
            _("%(atf)s prepared; another person must approve it.") % {"atf": atf.number}
        ),
        back=_back(contract),
    )


@login_required
def atf_approve(request: HttpRequest, pk: int) -> HttpResponse:
    atf = selectors.get_atf_for_user(user=request.user, pk=pk, action="change")
    return button_action(
        request,
        run=lambda: services.atf_approve(user=request.user, atf=atf),
        success=lambda approved: _("%(atf)s approved.") % {"atf": approved.number},
        back=_back(atf.contract),
    )


@login_required
def atf_execute(request: HttpRequest, pk: int) -> HttpResponse:
    atf = selectors.get_atf_for_user(user=request.user, pk=pk, action="change")
    return action_page(
        request,
        title=_("Record the transfer of %(atf)s") % {"atf": atf.number},
        intro=_("Amount: %(amount)s to account %(account)s.")
        % {"amount": atf.contract.money(atf.amount_minor), "account": atf.bank_account},
        back=_back(atf.contract),
        form=ExecuteForm(request.POST or None),
        run=lambda d: services.atf_execute(
            user=request.user,
            atf=atf,
            bank_reference=d["bank_reference"],
            executed_on=d["executed_on"],
        ),
    )


@login_required
def atf_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    atf = selectors.get_atf_for_user(user=request.user, pk=pk, action="change")
    return action_page(
        request,
        title=_("Cancel %(atf)s") % {"atf": atf.number},
        back=_back(atf.contract),
        form=ReasonForm(request.POST or None),
        run=lambda d: services.atf_cancel(user=request.user, atf=atf, reason=d["reason"]),
    )


@login_required
def tranche2_request(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk, "view")
    return button_action(
        request,
        run=lambda: services.tranche2_request(user=request.user, contract=contract),
        success=lambda _result: _("Second tranche requested."),
        back=_back(contract),
    )


@login_required
def midterm(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    return action_page(
        request,
        title=_("Mid-term review of %(code)s") % {"code": contract.code},
        back=_back(contract),
        form=MidtermForm(request.POST or None),
        run=lambda d: services.midterm_decide(
            user=request.user,
            contract=contract,
            approve=d["decision"] == "approve",
            decided_on=d["decided_on"],
            reference=d["reference"],
        ),
    )


@login_required
def misuse_raise(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    return action_page(
        request,
        title=_("Flag misuse in %(code)s") % {"code": contract.code},
        intro=_("While the flag is open, every pending tranche is suspended."),
        back=_back(contract),
        form=MisuseForm(request.POST or None),
        run=lambda d: services.misuse_flag_raise(
            user=request.user,
            contract=contract,
            description=d["description"],
            raised_on=d["raised_on"],
        ),
    )


@login_required
def misuse_lift(request: HttpRequest, pk: int) -> HttpResponse:
    flag = get_object_or_404(MisuseFlag, pk=pk)
    contract = _contract(request, flag.contract_id)
    return action_page(
        request,
        title=_("Lift the misuse flag of %(code)s") % {"code": contract.code},
        intro=flag.description,
        back=_back(contract),
        form=LiftForm(request.POST or None),
        run=lambda d: services.misuse_flag_lift(
            user=request.user,
            flag=flag,
            corrective_action=d["corrective_action"],
            lifted_on=d["lifted_on"],
        ),
    )


@login_required
def expense_report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk, "view")
    form = ExpenseReportForm(request.POST or None)
    lines = ExpenseLineFormSet(request.POST or None, request.FILES or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        inputs = [
            services.ExpenseInput(
                spent_on=row["spent_on"],
                receipt_type=row["receipt_type"],
                receipt_number=row["receipt_number"],
                supplier_ruc=row["supplier_ruc"],
                concept=row["concept"],
                amount=to_money(row["amount"], contract.currency),
                scan=row.get("scan"),
            )
            for row in lines.cleaned_data
            if row.get("filled")
        ]
        try:
            report = services.expense_report_submit(
                user=request.user,
                contract=contract,
                period_end=form.cleaned_data["period_end"],
                lines=inputs,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Expense report %(number)d submitted.") % {"number": report.number}
            )
            return redirect(_back(contract))
    return render(
        request,
        "contracts/expense_report_form.html",
        {"contract": contract, "form": form, "lines": lines},
    )


@login_required
def expense_report_review(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(ExpenseReport.objects.select_related("contract"), pk=pk)
    contract = _contract(request, report.contract_id)
    return action_page(
        request,
        title=_("Review %(report)s of %(code)s") % {"report": report, "code": contract.code},
        intro=_("%(count)d receipts for %(total)s.")
        % {
            "count": report.lines.count(),
            "total": contract.money(sum(line.amount_minor for line in report.lines.all())),
        },
        back=_back(contract),
        form=ReviewForm(request.POST or None),
        run=lambda d: services.expense_report_review(
            user=request.user, report=report, approve=d["decision"] == "approve", note=d["note"]
        ),
    )


def _cents(value: Decimal | None) -> int:
    return int((value or Decimal(0)) * 100)


@login_required
def addendum_add(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    return action_page(
        request,
        title=_("Addendum to %(code)s") % {"code": contract.code},
        back=_back(contract),
        form=AddendumForm(request.POST or None),
        run=lambda d: services.addendum_record(
            user=request.user,
            contract=contract,
            signed_on=d["signed_on"],
            reason=d["reason"],
            concept=d["concept"],
            project_delta=_cents(d["project_delta"]),
            organization_delta=_cents(d["organization_delta"]),
            term_delta_months=d["term_delta_months"] or 0,
        ),
    )


@login_required
def liquidate(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    return action_page(
        request,
        title=_("Liquidate %(code)s") % {"code": contract.code},
        intro=_("The organization holds %(held)s not yet accounted for: that is the refund.")
        % {"held": services.money_position(contract)["held"]},
        back=_back(contract),
        form=LiquidationForm(request.POST or None, request.FILES or None),
        run=lambda d: services.contract_liquidate(
            user=request.user,
            contract=contract,
            final_report=d["final_report"],
            closing_minute=d["closing_minute"],
            bank_statement=d["bank_statement"],
            refund=_cents(d["refund"]),
            refund_reference=d["refund_reference"],
            rating=d["rating"],
            favourable=d["favourable"],
            note=d["note"],
            liquidated_on=d["liquidated_on"],
        ),
    )


@login_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    return action_page(
        request,
        title=_("Cancel %(code)s") % {"code": contract.code},
        back=_back(contract),
        form=CancelForm(request.POST or None),
        run=lambda d: services.contract_cancel(
            user=request.user,
            contract=contract,
            reason=d["reason"],
            cancelled_on=d["cancelled_on"],
            refund=_cents(d["refund"]),
            refund_reference=d["refund_reference"],
        ),
    )


@login_required
def contract_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from minka.contracts import documents

    contract = _contract(request, pk, "view")
    try:
        body = documents.contract_pdf(contract)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect(_back(contract))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="{documents.contract_pdf_filename(contract)}"'
    )
    return response


@login_required
def bank_batch(request: HttpRequest) -> HttpResponse:
    """Download the approved ATFs of a programme as a bank batch; each ATF goes out once."""
    from minka.contracts.forms import BankBatchForm
    from minka.programmes.models import Programme

    grants = user_scope(request.user).change
    programmes = (
        Programme.objects.all()
        if grants.everything
        else Programme.objects.filter(pk__in=grants.programme_ids)
    )
    form = BankBatchForm(request.POST or None, programmes=programmes)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.atf_batch_export(
                user=request.user,
                programme=form.cleaned_data["programme"],
                file_format=form.cleaned_data["file_format"],
                again=form.cleaned_data["again"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            content_type = (
                "application/xml" if batch.filename.endswith(".xml") else "text/csv; charset=utf-8"
            )
            response = HttpResponse(batch.content, content_type=content_type)
            response["Content-Disposition"] = f'attachment; filename="{batch.filename}"'
            return response
    return render(
        request,
        "core/action_form.html",
        {
            "title": _("Bank batch of approved ATFs"),
            "intro": _(
                "Every approved ATF goes out in one batch only; the batch is recorded on each ATF."
            ),
            "back": reverse("contracts-worklist"),
            "form": form,
        },
    )
