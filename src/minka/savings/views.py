"""Savings pages: the treasurer's group book (members, balances, withdrawals, the business fund,
loans, repayments, passbooks), the officer's worklist and incentive batches, the programme
report, insurance. Each step is one small form calling one service."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from minka.core.actions import action_page
from minka.core.errors import DomainError
from minka.core.history import history_rows
from minka.core.scope import can, user_scope
from minka.core.ui import Column, Entity, Filter, register
from minka.geo.selectors import area_filter_choices
from minka.programmes.selectors import get_programme_for_user, programme_list
from minka.registry.models import Person
from minka.savings import forms, labels, selectors, services
from minka.savings.models import (
    BusinessFund,
    IncentiveBatch,
    MonthlyBalance,
    PolicyState,
    SavingsGroup,
    TransferState,
)

GROUP = register(
    Entity(
        slug="savings-groups",
        model=SavingsGroup,
        title=_l("Savings groups"),
        list_selector=selectors.group_list,
        get_selector=selectors.get_group_for_user,
        columns=[
            Column("organization.name", _l("Group"), link=True),
            Column("organization.district.name", _l("District")),
            Column("programme.code", _l("Programme")),
            Column("savers", _l("Savers")),
            Column("saved", _l("Saved")),
        ],
        detail_fields=[],
        filters=[Filter("area", _l("Area"), area_filter_choices)],
        search_help=_l("Group name or code"),
    )
)


def _today():
    return timezone.localdate()


def _as_of(request: HttpRequest):
    """The date figures are computed on: `?on=YYYY-MM-DD`, or today."""
    try:
        return datetime.date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        return _today()


def _titled(title: str, english_label: str) -> str:
    """A treasurer's page title with the Quechua gloss of its key word (see labels.py)."""
    gloss = labels.gloss(english_label)
    return f"{title} · {gloss}" if gloss else title


def _group(request: HttpRequest, pk: int) -> SavingsGroup:
    return selectors.get_group_for_user(user=request.user, pk=pk)


def _books(request: HttpRequest, group: SavingsGroup) -> None:
    """Pages that write the group's books are for its treasurer and the officers."""
    if not services.may_keep_books(request.user, group):
        raise Http404


def _group_url(group: SavingsGroup) -> str:
    return reverse("savings-groups-detail", args=[group.pk])


def _is_manager(user: Any, group: SavingsGroup) -> bool:
    return can(user, "change", group)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The treasurer lands on her group's book; everyone else on the list of groups."""
    own = list(selectors.groups_of_representative(user=request.user))
    if len(own) == 1 and not user_scope(request.user).change.area_paths:
        return redirect(_group_url(own[0]))
    return redirect("savings-groups-list")


@login_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    fund = BusinessFund.objects.filter(group=group).first()
    context = {
        "group": group,
        "accounts": selectors.group_accounts(group),
        "summary": selectors.group_summary(group),
        "fund": fund,
        "figures": selectors.fund_figures(fund, _as_of(request)) if fund else None,
        "batches": group.incentive_batches.select_related("prepared_by")[:24],
        "policies": group.organization.insurance_policies.select_related("person", "insurer")[:50],
        "may_keep_books": services.may_keep_books(request.user, group),
        "may_manage": _is_manager(request.user, group),
        "history": history_rows(group),
    }
    return render(request, "savings/group_detail.html", context)


@login_required
def group_enrol(request: HttpRequest) -> HttpResponse:
    programmes = programme_list(user=request.user)
    form = forms.EnrolForm(request.POST or None, programmes=programmes)
    return action_page(
        request,
        title=_("Enrol a women's group"),
        back=reverse("savings-groups-list"),
        form=form,
        run=lambda d: services.group_enrol(
            user=request.user,
            organization=d["organization"],
            programme=d["programme"],
            started_on=d["started_on"],
        ),
        done=_group_url,
    )


@login_required
def saver_add(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    _books(request, group)
    return action_page(
        request,
        title=_titled(_("New saver in %(group)s") % {"group": group}, "Saver"),
        intro=_("The saver must be registered in the registry with her DNI."),
        back=_group_url(group),
        form=forms.SaverForm(request.POST or None),
        run=lambda d: services.saver_register(
            user=request.user,
            group=group,
            dni=d["dni"],
            institution=d["institution"],
            number=d["number"],
            opened_on=d["opened_on"],
            opening_deposit=forms.to_money(d["opening_deposit"], group.currency),
        ),
    )


@login_required
def balances(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    _books(request, group)
    accounts = selectors.group_accounts(group)
    initial = {}
    month = request.GET.get("month")
    form = forms.BalancesForm(request.POST or None, accounts=accounts, initial=initial)
    if request.method != "POST" and month:
        try:
            chosen = forms.MonthField().to_python(month)
        except Exception:  # noqa: BLE001 - a bad month in the URL just shows an empty form
            chosen = None
        if chosen:
            form.initial["month"] = chosen
            for row in MonthlyBalance.objects.filter(account__group=group, month=chosen):
                form.initial[f"a{row.account_id}"] = Decimal(row.balance_minor) / 100
    return action_page(
        request,
        title=_titled(_("Month-end balances of %(group)s") % {"group": group}, "Balance"),
        intro=_("Type each saver's balance at the month's end, from her passbook or statement."),
        back=_group_url(group),
        form=form,
        run=lambda d: services.balances_record(
            user=request.user,
            group=group,
            month=d["month"],
            balances=form.balances(group.currency),
        ),
    )


@login_required
def statement_import(request: HttpRequest) -> HttpResponse:
    form = forms.StatementForm(request.POST or None, request.FILES or None)
    problems: list[Any] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            count = services.statement_import(
                user=request.user,
                institution=form.cleaned_data["institution"],
                month=form.cleaned_data["month"],
                data=upload.read(),
                filename=upload.name,
            )
        except services.StatementError as exc:
            problems = exc.problems
            form.add_error("file", str(exc))
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("%(count)d balances imported.") % {"count": count})
            return redirect("savings-home")
    return render(request, "savings/statement_import.html", {"form": form, "problems": problems})


@login_required
def withdrawal_add(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.get_account_for_user(user=request.user, pk=pk)
    _books(request, account.group)
    return action_page(
        request,
        title=_titled(
            _("Withdrawal by %(name)s") % {"name": account.person.full_name}, "Withdrawal"
        ),
        intro=_(
            "Withdrawals for children's education, health or business investment, with evidence, "
            "are matched by the programme."
        ),
        back=_group_url(account.group),
        form=forms.WithdrawalForm(request.POST or None, request.FILES or None),
        run=lambda d: services.withdrawal_record(
            user=request.user,
            account=account,
            withdrawn_on=d["withdrawn_on"],
            amount=forms.to_money(d["amount"], account.currency),
            purpose=d["purpose"],
            evidence_reference=d["evidence_reference"],
            evidence_file=d["evidence_file"],
        ),
    )


@login_required
def passbook(request: HttpRequest, pk: int, person_pk: int) -> HttpResponse:
    """A member's printable passbook: savings, withdrawals, incentives, loans and repayments."""
    group = _group(request, pk)
    _books(request, group)
    person = Person.objects.filter(pk=person_pk, memberships__organization=group.organization)
    member = person.first()
    if member is None:
        raise Http404
    account = group.accounts.filter(person=member).select_related("institution").first()
    fund = BusinessFund.objects.filter(group=group).first()
    loans = []
    if fund is not None:
        for loan in fund.loans.filter(member=member).prefetch_related("schedule", "repayments"):
            loans.append((loan, services.loan_position(loan, _today())))
    context = {
        "group": group,
        "member": member,
        "account": account,
        "balances": account.balances.all() if account else [],
        "withdrawals": account.withdrawals.all() if account else [],
        "incentives": account.incentive_lines.filter(live=True).select_related("batch")
        if account
        else [],
        "loans": loans,
        "today": _today(),
    }
    return render(request, "savings/passbook.html", context)


# --- incentives ---------------------------------------------------------------------------------


@login_required
def incentives_prepare(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose a month, see what each saver gets, and prepare the batch."""
    group = _group(request, pk)
    if not _is_manager(request.user, group):
        raise Http404
    form = forms.MonthForm(request.POST or request.GET or None)
    preview = None
    if form.is_bound and form.is_valid():
        month = form.cleaned_data["month"]
        if request.method == "POST":
            try:
                batch = services.incentive_batch_prepare(
                    user=request.user,
                    group=group,
                    month=month,
                    request_key=request.POST.get("request_key") or None,
                )
            except DomainError as exc:
                form.add_error("month" if exc.field == "month" else None, str(exc))
            else:
                messages.success(request, _("Batch prepared; another person must approve it."))
                return redirect("savings-batches-detail", batch.pk)
        preview = services.incentive_preview(group=group, month=month)
    context = {
        "group": group,
        "form": form,
        "preview": preview,
        "request_key": uuid.uuid4().hex,
        "settings": services.settings_for(group.programme),
    }
    return render(request, "savings/incentives_prepare.html", context)


BATCH = register(
    Entity(
        slug="savings-batches",
        model=IncentiveBatch,
        title=_l("Incentive batches"),
        list_selector=selectors.batch_list,
        get_selector=selectors.get_batch_for_user,
        columns=[
            Column("group.organization.name", _l("Group"), link=True),
            Column("month", _l("Month")),
            Column("total", _l("Total")),
            Column("get_state_display", _l("State")),
            Column("prepared_by", _l("Prepared by")),
        ],
        detail_fields=[],
        filters=[Filter("state", _l("State"), lambda user: list(TransferState.choices))],
    )
)


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.get_batch_for_user(user=request.user, pk=pk)
    context = {
        "batch": batch,
        "lines": batch.lines.select_related("account__person", "account__institution"),
        "may_manage": _is_manager(request.user, batch.group),
        "execute_form": forms.ExecuteForm(initial={"executed_on": _today()}),
    }
    return render(request, "savings/batch_detail.html", context)


def _batch_for_change(request: HttpRequest, pk: int) -> Any:
    batch = selectors.get_batch_for_user(user=request.user, pk=pk)
    if not _is_manager(request.user, batch.group):
        raise Http404
    return batch


def _post_step(request: HttpRequest, back: str, step: Any) -> HttpResponse:
    try:
        step()
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Saved."))
    return redirect(back)


@login_required
@require_POST
def batch_approve(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for_change(request, pk)
    return _post_step(
        request,
        reverse("savings-batches-detail", args=[pk]),
        lambda: services.incentive_batch_approve(user=request.user, batch=batch),
    )


@login_required
def batch_execute(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for_change(request, pk)
    back = reverse("savings-batches-detail", args=[pk])
    return action_page(
        request,
        title=_("Record the payment of %(batch)s") % {"batch": batch},
        back=back,
        form=forms.ExecuteForm(request.POST or None, initial={"executed_on": _today()}),
        run=lambda d: services.incentive_batch_execute(
            user=request.user,
            batch=batch,
            bank_reference=d["bank_reference"],
            executed_on=d["executed_on"],
        ),
    )


@login_required
def batch_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for_change(request, pk)
    return action_page(
        request,
        title=_("Cancel %(batch)s") % {"batch": batch},
        back=reverse("savings-batches-detail", args=[pk]),
        form=forms.ReasonForm(request.POST or None),
        run=lambda d: services.incentive_batch_cancel(
            user=request.user, batch=batch, reason=d["reason"]
        ),
    )


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    """The officer's page: payments to approve or execute, and the health of the groups."""
    groups = selectors.group_list(user=request.user, params=request.GET)
    funds = selectors.funds_figures(
        BusinessFund.objects.filter(group__in=groups.values("pk")), _as_of(request)
    )
    context = {
        **selectors.worklist(user=request.user),
        "groups": groups[:100],
        "funds": sorted(funds, key=lambda f: (f.par30 is None, -(f.par30 or 0)))[:100],
        "on": _as_of(request),
    }
    return render(request, "savings/worklist.html", context)


# --- business funds -----------------------------------------------------------------------------


def _fund(request: HttpRequest, pk: int) -> Any:
    return selectors.get_fund_for_user(user=request.user, pk=pk)


def _fund_url(fund: Any) -> str:
    return reverse("savings-fund", args=[fund.pk])


@login_required
def fund_create(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    if not _is_manager(request.user, group):
        raise Http404
    return action_page(
        request,
        title=_("Business fund of %(group)s") % {"group": group},
        back=_group_url(group),
        form=forms.FundForm(request.POST or None),
        run=lambda d: services.fund_create(
            user=request.user,
            group=group,
            seed_capital=forms.to_money(d["seed_capital"], group.currency),
            created_on=d["created_on"],
        ),
        done=_fund_url,
    )


@login_required
def fund_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _fund(request, pk)
    group = fund.group
    context = {
        "fund": fund,
        "group": group,
        "figures": selectors.fund_figures(fund, _as_of(request)),
        "loans": selectors.fund_loans(fund, _as_of(request)),
        "on": _as_of(request),
        "products": fund.products.all(),
        "movements": fund.movements.all(),
        "transfers": fund.seed_transfers.select_related("prepared_by", "approved_by"),
        "may_keep_books": services.may_keep_books(request.user, group),
        "may_manage": _is_manager(request.user, group),
    }
    return render(request, "savings/fund_detail.html", context)


def _fund_books(request: HttpRequest, pk: int) -> Any:
    fund = _fund(request, pk)
    _books(request, fund.group)
    return fund


@login_required
def product_add(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _fund_books(request, pk)
    return action_page(
        request,
        title=_("New loan product"),
        back=_fund_url(fund),
        form=forms.ProductForm(request.POST or None),
        run=lambda d: services.product_create(
            user=request.user,
            fund=fund,
            name=d["name"],
            method=d["method"],
            monthly_rate_bp=int(d["monthly_rate"] * 100),
            instalments=d["instalments"],
            max_principal=forms.to_money(d["max_principal"], fund.currency)
            if d["max_principal"]
            else None,
        ),
    )


@login_required
def loan_add(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _fund_books(request, pk)
    return action_page(
        request,
        title=_titled(_("New loan"), "Loan"),
        back=_fund_url(fund),
        form=forms.LoanForm(request.POST or None, fund=fund, initial={"disbursed_on": _today()}),
        run=lambda d: services.loan_disburse(
            user=request.user,
            fund=fund,
            member=d["member"],
            product=d["product"],
            principal=forms.to_money(d["principal"], fund.currency),
            purpose=d["purpose"],
            purpose_detail=d["purpose_detail"],
            disbursed_on=d["disbursed_on"],
            first_due_on=d["first_due_on"],
        ),
        done=lambda loan: reverse("savings-loan", args=[loan.pk]),
    )


@login_required
def movement_add(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _fund_books(request, pk)
    return action_page(
        request,
        title=_("Income or expense of the fund"),
        back=_fund_url(fund),
        form=forms.MovementForm(request.POST or None, initial={"moved_on": _today()}),
        run=lambda d: services.movement_record(
            user=request.user,
            fund=fund,
            kind=d["kind"],
            moved_on=d["moved_on"],
            amount=forms.to_money(d["amount"], fund.currency),
            description=d["description"],
        ),
    )


@login_required
def loan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    loan = selectors.get_loan_for_user(user=request.user, pk=pk)
    today = _today()
    rows = services.schedule_rows(loan)
    paid = services.paid_minor(loan)
    # Per instalment: how much of it the cumulative payments cover (schedule order).
    covered, cumulative = [], 0
    for row in rows:
        start = cumulative
        cumulative += row.total_minor
        covered.append((row, max(0, min(paid, cumulative) - start)))
    payoff = services.schedules.payoff(rows, paid, today) if loan.state == "active" else None
    context = {
        "loan": loan,
        "fund": loan.fund,
        "instalments": covered,
        "repayments": loan.repayments.all(),
        "position": services.loan_position(loan, today),
        "payoff": payoff and payoff.principal_minor + payoff.interest_minor,
        "today": today,
        "may_keep_books": services.may_keep_books(request.user, loan.fund.group),
    }
    return render(request, "savings/loan_detail.html", context)


@login_required
def repayment_add(request: HttpRequest, pk: int) -> HttpResponse:
    loan = selectors.get_loan_for_user(user=request.user, pk=pk)
    _books(request, loan.fund.group)
    return action_page(
        request,
        title=_titled(
            _("Repayment of %(loan)s, %(member)s") % {"loan": loan, "member": loan.member},
            "Repayment",
        ),
        back=reverse("savings-loan", args=[loan.pk]),
        form=forms.RepaymentForm(request.POST or None, initial={"paid_on": _today()}),
        run=lambda d: services.repayment_record(
            user=request.user,
            loan=loan,
            paid_on=d["paid_on"],
            amount=forms.to_money(d["amount"], loan.fund.currency),
            receipt_number=d["receipt_number"],
            settle=d["settle"],
        ),
    )


def _seed_for_change(request: HttpRequest, pk: int) -> Any:
    transfer = selectors.get_seed_transfer_for_user(user=request.user, pk=pk)
    if not _is_manager(request.user, transfer.fund.group):
        raise Http404
    return transfer


@login_required
@require_POST
def seed_prepare(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _fund(request, pk)
    if not _is_manager(request.user, fund.group):
        raise Http404
    return _post_step(
        request,
        _fund_url(fund),
        lambda: services.seed_transfer_prepare(user=request.user, fund=fund),
    )


@login_required
@require_POST
def seed_approve(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = _seed_for_change(request, pk)
    return _post_step(
        request,
        _fund_url(transfer.fund),
        lambda: services.seed_transfer_approve(user=request.user, transfer=transfer),
    )


@login_required
def seed_execute(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = _seed_for_change(request, pk)
    return action_page(
        request,
        title=_("Record the transfer of the seed capital"),
        back=_fund_url(transfer.fund),
        form=forms.ExecuteForm(request.POST or None, initial={"executed_on": _today()}),
        run=lambda d: services.seed_transfer_execute(
            user=request.user,
            transfer=transfer,
            bank_reference=d["bank_reference"],
            executed_on=d["executed_on"],
        ),
    )


@login_required
def seed_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = _seed_for_change(request, pk)
    return action_page(
        request,
        title=_("Cancel the seed-capital transfer"),
        back=_fund_url(transfer.fund),
        form=forms.ReasonForm(request.POST or None),
        run=lambda d: services.seed_transfer_cancel(
            user=request.user, transfer=transfer, reason=d["reason"]
        ),
    )


# --- programme report and settings --------------------------------------------------------------


@login_required
def report(request: HttpRequest) -> HttpResponse:
    programmes = list(programme_list(user=request.user))
    if not programmes:
        raise Http404
    programme = next(
        (p for p in programmes if str(p.pk) == request.GET.get("programme")), programmes[0]
    )
    data = selectors.programme_report(user=request.user, programme=programme, on=_as_of(request))
    context = {
        "report": data,
        "programmes": programmes,
        "programme": programme,
        "may_configure": user_scope(request.user).change.everything
        or programme.pk in user_scope(request.user).change.programme_ids,
        "max_month_total": max((total for _m, _s, total in data.months), default=0),
    }
    return render(request, "savings/report.html", context)


@login_required
def settings_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_programme_for_user(user=request.user, pk=pk)
    scope = user_scope(request.user).change
    if not (scope.everything or programme.pk in scope.programme_ids):
        raise Http404
    instance = services.settings_for(programme)
    form = forms.SettingsForm(request.POST or None, instance=instance)
    back = reverse("savings-report") + f"?programme={programme.pk}"
    return action_page(
        request,
        title=_("Savings and insurance terms of %(code)s") % {"code": programme.code},
        back=back,
        form=form,
        run=lambda d: services.settings_update(
            user=request.user, programme=programme, values=form.values()
        ),
    )


# --- insurance ----------------------------------------------------------------------------------


@login_required
def insurance(request: HttpRequest) -> HttpResponse:
    policies = selectors.policy_list(user=request.user, params=request.GET)
    staff_programmes = [
        p for p in programme_list(user=request.user) if services.is_programme_staff(request.user, p)
    ]
    context = {
        "policies": policies[:200],
        "count": policies.count(),
        "batches": selectors.premium_batch_list(user=request.user)[:50],
        "staff_programmes": staff_programmes,
        "batch_form": forms.PremiumBatchForm(),
        "states": PolicyState.choices,
        "query": request.GET.get("q", ""),
    }
    return render(request, "savings/insurance.html", context)


@login_required
def policy_add(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group(request, pk)
    _books(request, group)
    return action_page(
        request,
        title=_("Enrol in the life insurance through %(group)s") % {"group": group},
        intro=_("The premium is shared: the project's subsidy and the insured's counterpart."),
        back=_group_url(group),
        form=forms.PolicyForm(request.POST or None),
        run=lambda d: services.policy_enrol(
            user=request.user,
            organization=group.organization,
            programme=group.programme,
            insurer=d["insurer"],
            dni=d["dni"],
            insured_as=d["insured_as"],
            children_covered=d["children_covered"],
            starts_on=d["starts_on"],
        ),
    )


@login_required
def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    policy = selectors.get_policy_for_user(user=request.user, pk=pk)
    may_act = services.represents(request.user, policy.organization_id) or can(
        request.user, "change", policy
    )
    context = {
        "policy": policy,
        "claims": policy.claims.all(),
        "may_act": may_act,
        "history": history_rows(policy),
    }
    return render(request, "savings/policy_detail.html", context)


@login_required
def claim_add(request: HttpRequest, pk: int) -> HttpResponse:
    policy = selectors.get_policy_for_user(user=request.user, pk=pk)
    return action_page(
        request,
        title=_("Claim on policy %(number)s") % {"number": policy.number},
        back=reverse("savings-policy", args=[policy.pk]),
        form=forms.ClaimForm(request.POST or None),
        run=lambda d: services.claim_record(
            user=request.user,
            policy=policy,
            event=d["event"],
            event_on=d["event_on"],
            beneficiary=d["beneficiary"],
            amount=forms.to_money(d["amount"], policy.currency),
        ),
    )


@login_required
def claim_decide(request: HttpRequest, pk: int) -> HttpResponse:
    claim = selectors.get_claim_for_user(user=request.user, pk=pk)
    return action_page(
        request,
        title=_("The insurer's answer"),
        back=reverse("savings-policy", args=[claim.policy_id]),
        form=forms.ClaimDecisionForm(request.POST or None),
        run=lambda d: services.claim_decide(
            user=request.user,
            claim=claim,
            paid=d["decision"] == "paid",
            insurer_reference=d["insurer_reference"],
        ),
    )


@login_required
@require_POST
def premium_prepare(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_programme_for_user(user=request.user, pk=pk)
    form = forms.PremiumBatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the insurer."))
        return redirect("savings-insurance")
    return _post_step(
        request,
        reverse("savings-insurance"),
        lambda: services.premium_batch_prepare(
            user=request.user, programme=programme, insurer=form.cleaned_data["insurer"]
        ),
    )


def _premium(request: HttpRequest, pk: int) -> Any:
    batch = selectors.get_premium_batch_for_user(user=request.user, pk=pk)
    if not services.is_programme_staff(request.user, batch.programme):
        raise Http404
    return batch


@login_required
@require_POST
def premium_approve(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _premium(request, pk)
    return _post_step(
        request,
        reverse("savings-insurance"),
        lambda: services.premium_batch_approve(user=request.user, batch=batch),
    )


@login_required
def premium_execute(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _premium(request, pk)
    return action_page(
        request,
        title=_("Record the payment of the premiums to %(insurer)s") % {"insurer": batch.insurer},
        back=reverse("savings-insurance"),
        form=forms.ExecuteForm(request.POST or None, initial={"executed_on": _today()}),
        run=lambda d: services.premium_batch_execute(
            user=request.user,
            batch=batch,
            bank_reference=d["bank_reference"],
            executed_on=d["executed_on"],
        ),
    )


@login_required
def premium_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _premium(request, pk)
    return action_page(
        request,
        title=_("Cancel the premium batch"),
        back=reverse("savings-insurance"),
        form=forms.ReasonForm(request.POST or None),
        run=lambda d: services.premium_batch_cancel(
            user=request.user, batch=batch, reason=d["reason"]
        ),
    )
