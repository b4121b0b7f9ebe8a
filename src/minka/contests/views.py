"""Contest pages: set-up, enrolment, assets, jury, phone-sized sheets, blank sheets, results,
third-party prizes, payments (four eyes), the acta, the public results and the metrics."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from minka.contests import ranking, selectors, services
from minka.contests.forms import (
    ActivityForm,
    CancelForm,
    ContestForm,
    CriterionForm,
    EnrolForm,
    ExecuteForm,
    JurorForm,
    PaymentPrepareForm,
    TalkingMapForm,
    ThirdPartyForm,
    TiersForm,
    assets_form,
    sheet_form,
    to_money,
)
from minka.contests.models import (
    Activity,
    AssetRecord,
    Contest,
    ContestJuror,
    ContestState,
    Level,
    Participant,
    PrizeKind,
    ScoreSheet,
    Theme,
)
from minka.core.actions import action_page
from minka.core.errors import DomainError
from minka.core.models import User
from minka.core.scope import can
from minka.core.ui import Column, Entity, Filter, register
from minka.geo.models import Territory
from minka.programmes.models import Programme
from minka.registry.models import Organization

TIE_BREAK_TEXT = {
    "score": _l("Higher score (mean of the jurors' totals × factor) first."),
    "assets_created": _l(
        "On equal scores, the larger value of assets created in the activity (after − before)."
    ),
    "enrolment": _l("Then the earlier enrolment (lower participant number)."),
}

CONTEST = register(
    Entity(
        slug="contests",
        model=Contest,
        title=_l("Contests"),
        list_selector=selectors.contest_list,
        get_selector=selectors.get_contest_for_user,
        columns=[
            Column("code", _l("Code"), link=True),
            Column("name", _l("Name")),
            Column("get_level_display", _l("Level")),
            Column("get_theme_display", _l("Theme")),
            Column("held_on", _l("Date")),
            Column("get_state_display", _l("State")),
        ],
        detail_fields=[],
        filters=[
            Filter("level", _l("Level"), lambda user: list(Level.choices)),
            Filter("state", _l("State"), lambda user: list(ContestState.choices)),
        ],
        search_help=_l("Name, code or place"),
    )
)


def _tie_break() -> list[str]:
    return [str(TIE_BREAK_TEXT[code]) for code in ranking.TIE_BREAK_RULE]


def _public_name(participant: Participant, contest: Contest) -> str:
    """What the public sees: a family's surnames only where the contest allows it."""
    if participant.household_id is None:
        return participant.organization.name
    if contest.publish_family_names and participant.family_name:
        return _("Family %(name)s") % {"name": participant.family_name}
    return _("Family no. %(number)d") % {"number": participant.number}


# --- set-up -----------------------------------------------------------------------------------


@login_required
def contest_create(request: HttpRequest) -> HttpResponse:
    form = ContestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        source = d["funding_source"]
        currency = source.programme.currency
        try:
            contest = services.contest_create(
                user=request.user,
                programme=source.programme,
                level=d["level"],
                theme=d["theme"],
                name=d["name"],
                held_on=d["held_on"],
                place=d["place"],
                funding_source=source,
                organization=d["organization"],
                number=d["number"],
                territory=d["territory"],
                area=d["area"],
                prize_pool=to_money(d["prize_pool"], currency),
                participation_incentive=to_money(d["participation_incentive"], currency),
                winners=d["winners"],
                factor=d["factor"],
                other_costs=to_money(d["other_costs"], currency),
                third_party_note=d["third_party_note"],
                publish_family_names=d["publish_family_names"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("Contest created: add its activities and prizes."))
            return redirect("contests-detail", pk=contest.pk)
    return render(
        request,
        "core/action_form.html",
        {"title": _("New contest"), "back": reverse("contests-list"), "form": form},
    )


@login_required
def contest_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contest = selectors.get_contest_for_user(user=request.user, pk=pk)
    may_run = can(request.user, "change", contest)
    seat = ContestJuror.objects.filter(contest=contest, user=request.user).first()
    activities = list(contest.activities.prefetch_related("criteria"))
    mine: set[tuple[int, int]] = (
        set(ScoreSheet.objects.filter(juror=seat).values_list("participant_id", "activity_id"))
        if seat
        else set()
    )
    rows = selectors.participant_rows(contest)
    for row in rows:
        row["mine"] = [
            (activity, (row["participant"].pk, activity.pk) in mine) for activity in activities
        ]
    tiers = list(contest.tiers.all())
    context: dict[str, Any] = {
        "contest": contest,
        "activities": activities,
        "tiers": tiers,
        "jurors": contest.jurors.select_related("user", "organization", "community"),
        "max_jurors": ranking.max_jurors(contest.theme),
        "rows": rows,
        "may_run": may_run,
        "seat": seat,
        "payments": selectors.payments_of(contest) if contest.state == "decided" else [],
        "third_party": contest.third_party_prizes.select_related("participant__household"),
        "participation_rate": None,
    }
    if contest.state == ContestState.DECIDED:
        context["metrics"] = selectors.metrics(
            Contest.objects.filter(pk=contest.pk), currency=contest.currency
        )
        context["unpaid"] = contest.prizes.filter(payment__isnull=True).count()
    return render(request, "contests/contest_detail.html", context)


@login_required
def activity_add(request: HttpRequest, pk: int) -> HttpResponse:
    contest = selectors.get_contest_for_user(user=request.user, pk=pk, action="change")
    return action_page(
        request,
        title=_("Add an activity to %(code)s") % {"code": contest.code},
        back=reverse("contests-detail", args=[pk]),
        form=ActivityForm(request.POST or None),
        run=lambda d: services.activity_add(
            user=request.user,
            contest=contest,
            code=d["code"],
            name=d["name"],
            unit=d["unit"],
            criteria=d["criteria"],
        ),
    )


@login_required
def criterion_add(request: HttpRequest, pk: int, activity_pk: int) -> HttpResponse:
    contest = selectors.get_contest_for_user(user=request.user, pk=pk, action="change")
    activity = get_object_or_404(Activity, pk=activity_pk, contest=contest)
    return action_page(
        request,
        title=_("Add a criterion to %(name)s") % {"name": activity.name},
        back=reverse("contests-detail", args=[pk]),
        form=CriterionForm(request.POST or None),
        run=lambda d: services.criterion_add(
            user=request.user,
            activity=activity,
            code=d["code"],
            label=d["label"],
            max_points=d["max_points"],
        ),
    )


@login_required
def tiers(request: HttpRequest, pk: int) -> HttpResponse:
    contest = selectors.get_contest_for_user(user=request.user, pk=pk, action="change")
    existing = "\n".join(f"{Decimal(t.amount_minor) / 100:.2f}" for t in contest.tiers.all())
    return action_page(
        request,
        title=_("Prizes by place: %(code)s") % {"code": contest.code},
        intro=_(
            "%(winners)d winners per activity; prize pool %(pool)s (paid 100 %% by the programme)."
        )
        % {"winners": contest.winners, "pool": contest.money(contest.prize_pool_minor)},
        back=reverse("contests-detail", args=[pk]),
        form=TiersForm(request.POST or None, initial={"amounts": existing}),
        run=lambda d: services.tiers_set(
            user=request.user,
            contest=contest,
            amounts=[to_money(v, contest.currency) for v in d["amounts"]],
        ),
    )


def _post_only(request: HttpRequest) -> None:
    if request.method != "POST":
        raise Http404


@login_required
def contest_open(request: HttpRequest, pk: int) -> HttpResponse:
    contest = selectors.get_contest_for_user(user=request.user, pk=pk, action="change")
    _post_only(request)
    try:
        services.contest_open(user=request.user, contest=contest)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The contest is open for scoring."))
    return redirect("contests-detail", pk=pk)


@login_required
def juror_add(request: HttpRequest, pk: int) -> HttpResponse:
    contest = selectors.get_contest_for_user(user=request.user, pk=pk, action="change")

    def run(d: dict[str, Any]) -> Any:
        juror_user = User.objects.filter(username=d["username"].strip()).first()
        if juror_user is None:
            raise DomainError(_("No user has that name."), field="username")
        return services.juror_add(
            user=request.user,
            contest=contest,
            juror_user=juror_user,
            institution=d["institution"],
            organization=d["organization"],
            community=d["community"],
        )

    return action_page(
        request,
        title=_("Add a juror to %(code)s") % {"code": contest.code},
        back=reverse("contests-detail", args=[pk]),
        form=JurorForm(request.POST or None, contest=contest),
        run=run,
    )


@login_required
def enrol(request: HttpRequest, pk: int) -> HttpResponse:
    contest = selectors.get_contest_for_user(user=request.user, pk=pk, action="change")
    return action_page(
        request,
        title=_("Enrol participants in %(code)s") % {"code": contest.code},
        intro=_("Eligible population: %(count)d.") % {"count": contest.eligible_count},
        back=reverse("contests-detail", args=[pk]),
        form=EnrolForm(request.POST or None, contest=contest),
        run=lambda d: services.participants_enrol(
            user=request.user,
            contest=contest,
            household_dnis=d.get("dnis", "").replace(",", " ").split(),
            all_households=d.get("all_households", False),
            organizations=list(d.get("organizations") or []),
            category=d.get("category", ""),
        ),
    )


@login_required
def participant(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    """A participant's assets before and after, activity by activity, with photos."""
    contest = selectors.get_contest_for_user(user=request.user, pk=pk)
    entry = selectors.get_participant(contest=contest, pk=participant_pk)
    activities = list(contest.activities.all())
    records = {(r.activity_id, r.moment): r for r in AssetRecord.objects.filter(participant=entry)}
    may_run = can(request.user, "change", contest) and contest.state != ContestState.DECIDED
    form_class, initial = assets_form(activities, records)
    form = form_class(request.POST or None, request.FILES or None, initial=initial)  # type: ignore[operator]
    if request.method == "POST":
        if not may_run:
            raise Http404
        if form.is_valid():
            try:
                for activity in activities:
                    for moment in ("before", "after"):
                        prefix = f"a{activity.pk}_{moment}"
                        value = form.cleaned_data[f"{prefix}_value"]
                        if value is None:
                            continue
                        services.asset_record(
                            user=request.user,
                            participant=entry,
                            activity=activity,
                            moment=moment,
                            quantity=form.cleaned_data[f"{prefix}_quantity"] or Decimal(0),
                            unit=activity.unit,
                            value=to_money(value, contest.currency),
                            photo=form.cleaned_data[f"{prefix}_photo"],
                        )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Assets saved."))
                return redirect("contest-participant", pk=pk, participant_pk=participant_pk)
    return render(
        request,
        "contests/participant.html",
        {
            "contest": contest,
            "entry": entry,
            "form": form,
            "may_run": may_run,
            "records": sorted(
                records.values(), key=lambda r: (r.activity_id, r.moment != "before")
            ),
            "map": getattr(entry, "talking_map", None)
            if contest.theme == Theme.TALKING_MAPS
            else None,
        },
    )


@login_required
def talking_map(request: HttpRequest, pk: int, participant_pk: int) -> HttpResponse:
    contest = selectors.get_contest_for_user(user=request.user, pk=pk, action="change")
    entry = selectors.get_participant(contest=contest, pk=participant_pk)
    return action_page(
        request,
        title=_("Talking maps of %(name)s") % {"name": entry.label},
        back=reverse("contest-participant", args=[pk, participant_pk]),
        form=TalkingMapForm(request.POST or None, request.FILES or None, participant=entry),
        run=lambda d: services.talking_map_submit(
            user=request.user,
            participant=entry,
            past_map=d["past_map"],
            present_map=d["present_map"],
            future_map=d["future_map"],
            commitments=d["commitments"],
            plan=d["plan"],
        ),
    )


@login_required
def sheet(request: HttpRequest, pk: int, participant_pk: int, activity_pk: int) -> HttpResponse:
    """A juror's score sheet, sized for a phone in the field."""
    contest = selectors.get_contest_for_user(user=request.user, pk=pk)
    entry = selectors.get_participant(contest=contest, pk=participant_pk)
    activity = get_object_or_404(Activity, pk=activity_pk, contest=contest)
    criteria = list(activity.criteria.all())
    existing = ScoreSheet.objects.filter(
        participant=entry, activity=activity, juror__user=request.user
    ).first()
    form = sheet_form(criteria)(request.POST or None, initial=existing.points if existing else None)
    return action_page(
        request,
        title=f"{entry.label} · {activity.name}",
        intro=_("Participant no. %(number)d. Score = mean of the jurors' totals × %(factor)s.")
        % {"number": entry.number, "factor": f"{Decimal(contest.factor_centi) / 100:.2f}"},
        back=reverse("contests-detail", args=[pk]),
        form=form,
        run=lambda d: services.sheet_submit(
            user=request.user, contest=contest, participant=entry, activity=activity, points=d
        ),
    )


@login_required
def blank_sheets(request: HttpRequest, pk: int) -> HttpResponse:
    """Printable blank score sheets, one per participant and activity, for paper in the field."""
    contest = selectors.get_contest_for_user(user=request.user, pk=pk)
    activities = list(contest.activities.prefetch_related("criteria"))
    participants = list(contest.participants.select_related("household", "organization"))
    pages = [
        {"participant": p, "activity": a, "criteria": list(a.criteria.all())}
        for p in participants
        for a in activities
    ]
    if not pages:  # a sheet per activity with blank participant lines
        pages = [
            {"participant": None, "activity": a, "criteria": list(a.criteria.all())}
            for a in activities
        ]
    return render(request, "contests/blank_sheets.html", {"contest": contest, "pages": pages})


def _results_context(contest: Contest) -> dict[str, Any]:
    results = services.contest_results(contest)
    jurors = list(contest.jurors.select_related("user"))
    blocks = []
    for activity in results.activities:
        rows = []
        for line in results.lines[activity.pk]:
            rows.append(
                {
                    "line": line,
                    "cells": [line.totals.get(j.pk) for j in jurors],
                }
            )
        blocks.append({"activity": activity, "rows": rows})
    return {
        "contest": contest,
        "results": results,
        "jurors": jurors,
        "blocks": blocks,
        "tie_break": _tie_break(),
        "factor": f"{Decimal(contest.factor_centi) / 100:.2f}",
    }


@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    contest = selectors.get_contest_for_user(user=request.user, pk=pk)
    may_run = can(request.user, "change", contest)
    if request.method == "POST":
        if not may_run:
            raise Http404
        try:
            services.contest_decide(user=request.user, contest=contest)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Results published; the prizes are committed."))
            return redirect("contests-detail", pk=pk)
    context = _results_context(contest)
    context["may_run"] = may_run
    return render(request, "contests/results.html", context)


@login_required
def third_party(request: HttpRequest, pk: int) -> HttpResponse:
    contest = selectors.get_contest_for_user(user=request.user, pk=pk, action="change")
    return action_page(
        request,
        title=_("Third-party prize in %(code)s") % {"code": contest.code},
        back=reverse("contests-detail", args=[pk]),
        form=ThirdPartyForm(request.POST or None, contest=contest),
        run=lambda d: services.third_party_prize_record(
            user=request.user,
            contest=contest,
            participant=d["participant"],
            activity=d["activity"],
            source=d["source"],
            amount=to_money(d["amount"], contest.currency),
        ),
    )


@login_required
def payment_prepare(request: HttpRequest, pk: int) -> HttpResponse:
    contest = selectors.get_contest_for_user(user=request.user, pk=pk, action="change")
    return action_page(
        request,
        title=_("Prepare a prize payment: %(code)s") % {"code": contest.code},
        intro=_(
            "Another person approves it; it is executed with the bank's reference and posted to "
            "the ledger."
        ),
        back=reverse("contests-detail", args=[pk]),
        form=PaymentPrepareForm(request.POST or None, contest=contest),
        run=lambda d: services.payment_prepare(
            user=request.user,
            contest=contest,
            organization=d["organization"],
            participant=d["participant"],
        ),
    )


@login_required
def payment_approve(request: HttpRequest, pk: int) -> HttpResponse:
    payment = selectors.get_payment_for_user(user=request.user, pk=pk, action="change")
    _post_only(request)
    try:
        services.payment_approve(user=request.user, payment=payment)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Payment %(number)s approved.") % {"number": payment.number})
    return redirect("contests-detail", pk=payment.contest_id)


@login_required
def payment_execute(request: HttpRequest, pk: int) -> HttpResponse:
    payment = selectors.get_payment_for_user(user=request.user, pk=pk, action="change")
    return action_page(
        request,
        title=_("Execute %(number)s") % {"number": payment.number},
        intro=_("%(amount)s to %(name)s, account %(account)s.")
        % {
            "amount": payment.contest.money(payment.amount_minor),
            "name": payment.organization.name,
            "account": payment.bank_account.number,
        },
        back=reverse("contests-detail", args=[payment.contest_id]),
        form=ExecuteForm(request.POST or None),
        run=lambda d: services.payment_execute(
            user=request.user,
            payment=payment,
            bank_reference=d["bank_reference"],
            executed_on=d["executed_on"],
        ),
    )


@login_required
def payment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    payment = selectors.get_payment_for_user(user=request.user, pk=pk, action="change")
    return action_page(
        request,
        title=_("Cancel %(number)s") % {"number": payment.number},
        back=reverse("contests-detail", args=[payment.contest_id]),
        form=CancelForm(request.POST or None),
        run=lambda d: services.payment_cancel(
            user=request.user, payment=payment, reason=d["reason"]
        ),
    )


def _acta_context(contest: Contest) -> dict[str, Any]:
    context = _results_context(contest)
    prizes = list(
        contest.prizes.select_related(
            "participant__household", "participant__organization", "activity"
        ).order_by("kind", "activity_id", "rank", "participant__number")
    )
    context.update(
        {
            "prizes": [p for p in prizes if p.kind == PrizeKind.RANKED],
            "incentives": [p for p in prizes if p.kind == PrizeKind.PARTICIPATION],
            "third_party": list(
                contest.third_party_prizes.select_related("participant__household", "activity")
            ),
        }
    )
    return context


@login_required
def acta_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from django.template.loader import render_to_string
    from django.utils import translation

    contest = selectors.get_contest_for_user(user=request.user, pk=pk)
    if contest.state != ContestState.DECIDED:
        messages.error(request, _("The acta exists once the results are published."))
        return redirect("contests-detail", pk=pk)
    with translation.override("es"):
        html = render_to_string("contests/acta.html", _acta_context(contest))
    try:
        from weasyprint import HTML
    except (ImportError, OSError):
        return HttpResponse(html)  # a printable page where WeasyPrint's libraries are missing
    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="acta-{contest.code}.pdf"'
    return response


def public_results(request: HttpRequest, pk: int) -> HttpResponse:
    """Open to everyone: rankings by community and family, prizes and the leverage; a family's
    name only where the contest allows it, never a DNI."""
    contest = get_object_or_404(
        Contest.objects.select_related("programme", "territory", "organization"),
        pk=pk,
        state=ContestState.DECIDED,
    )
    standings = (
        contest.standings.filter(rank__isnull=False)
        .select_related(
            "participant__household",
            "participant__organization",
            "participant__community",
            "activity",
        )
        .order_by("activity__order", "activity_id", "participant__category", "rank")
    )
    prizes: dict[tuple[int, int | None], int] = {}
    for participant_id, activity_id, amount in contest.prizes.values_list(
        "participant_id", "activity_id", "amount_minor"
    ):
        prizes[(participant_id, activity_id)] = amount
    blocks: dict[int, dict[str, Any]] = {}
    for s in standings:
        block = blocks.setdefault(s.activity_id, {"activity": s.activity, "rows": []})
        block["rows"].append(
            {
                "rank": s.rank,
                "category": s.participant.category,
                "name": _public_name(s.participant, contest),
                "community": s.participant.community.name if s.participant.community else "",
                "score": s.score_centi,
                "prize": prizes.get((s.participant_id, s.activity_id), 0),
            }
        )
    return render(
        request,
        "contests/public_results.html",
        {
            "contest": contest,
            "blocks": list(blocks.values()),
            "tie_break": _tie_break(),
            "metrics": selectors.metrics(
                Contest.objects.filter(pk=contest.pk), currency=contest.currency
            ),
        },
    )


@login_required
def metrics(request: HttpRequest) -> HttpResponse:
    """Participation, assets created, prize money and leverage for the contests the user reads,
    by programme, territory or organization; adoption of each activity over the years."""
    user = request.user
    programme = territory = organization = None
    if request.GET.get("programme", "").isdigit():
        programme = get_object_or_404(Programme, pk=request.GET["programme"])
    if request.GET.get("territory", "").isdigit():
        territory = get_object_or_404(Territory, pk=request.GET["territory"])
    if request.GET.get("organization", "").isdigit():
        organization = get_object_or_404(Organization, pk=request.GET["organization"])
    contests = selectors.contests_for_metrics(
        user=user, programme=programme, territory=territory, organization=organization
    )
    currency = programme.currency if programme else "PEN"
    by_level = [
        (label, selectors.metrics(contests.filter(level=level), currency=currency))
        for level, label in Level.choices
    ]
    return render(
        request,
        "contests/metrics.html",
        {
            "overall": selectors.metrics(contests, organization=organization, currency=currency),
            "by_level": [(label, m) for label, m in by_level if m.contests],
            "adoption": selectors.adoption(contests),
            "programme": programme,
            "territory": territory,
            "organization": organization,
            "programmes": Programme.objects.filter(contests__isnull=False).distinct(),
            "territories": Territory.objects.filter(contests__isnull=False).distinct(),
            "currency": currency,
        },
    )
