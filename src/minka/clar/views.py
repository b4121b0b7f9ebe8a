"""CLAR pages: calls, initiatives, events with their jury, field attendance, score sheets on a
phone, results with the rule and the optimiser side by side, the decision, the acta and the
public results page."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from minka.clar import selectors, services
from minka.clar.forms import (
    AttachmentForm,
    AttendanceForm,
    CallForm,
    DecideForm,
    EnvelopeForm,
    EventForm,
    InitiativeForm,
    JurorForm,
    sheet_form,
)
from minka.clar.models import (
    Attachment,
    Call,
    ClarEvent,
    EventKind,
    Initiative,
    InitiativeState,
    Juror,
    Outcome,
    ScoreSheet,
    Stage,
)
from minka.clar.reasons import describe
from minka.contracts.forms import LineFormSet, to_money
from minka.contracts.models import Contract, ContractState
from minka.contracts.services import LineInput
from minka.core.actions import action_page, button_action
from minka.core.errors import DomainError
from minka.core.models import User
from minka.core.scope import can
from minka.core.ui import Column, Entity, Filter, register

CALL = register(
    Entity(
        slug="calls",
        model=Call,
        title=_l("Calls"),
        list_selector=selectors.call_list,
        get_selector=selectors.get_call_for_user,
        columns=[
            Column("code", _l("Code"), link=True),
            Column("name", _l("Name")),
            Column("programme.code", _l("Programme")),
            Column("opens_on", _l("Opens on")),
            Column("closes_on", _l("Closes on")),
            Column("initiative_count", _l("Initiatives")),
        ],
        detail_fields=[],
        form_class=CallForm,
        search_help=_l("Name or code"),
    )
)
INITIATIVE = register(
    Entity(
        slug="initiatives",
        model=Initiative,
        title=_l("Initiatives"),
        list_selector=selectors.initiative_list,
        get_selector=selectors.get_initiative_for_user,
        columns=[
            Column("code", _l("Code"), link=True),
            Column("title", _l("Title")),
            Column("organization.name", _l("Organization")),
            Column("get_instrument_display", _l("Instrument")),
            Column("get_state_display", _l("State")),
        ],
        detail_fields=[],
        filters=[Filter("state", _l("State"), lambda user: list(InitiativeState.choices))],
        search_help=_l("Code, title or organization"),
    )
)
EVENT = register(
    Entity(
        slug="clar-events",
        model=ClarEvent,
        title=_l("CLAR events"),
        list_selector=selectors.event_list,
        get_selector=selectors.get_event_for_user,
        columns=[
            Column("name", _l("Name"), link=True),
            Column("get_kind_display", _l("Kind")),
            Column("held_on", _l("Date")),
            Column("place", _l("Place")),
            Column("get_state_display", _l("State")),
        ],
        detail_fields=[],
        form_class=EventForm,
        search_help=_l("Name or place"),
    )
)


def _points(centi):
    return "—" if centi is None else f"{Decimal(centi) / 100:.2f}"


# --- calls and initiatives --------------------------------------------------------------------


@login_required
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = selectors.get_call_for_user(user=request.user, pk=pk)
    initiatives = selectors.initiative_list(user=request.user, params={"call": str(pk)})
    return render(
        request,
        "clar/call_detail.html",
        {
            "call": call,
            "envelopes": call.envelopes.select_related("area"),
            "initiatives": initiatives,
            "may_change": can(request.user, "change", call),
        },
    )


@login_required
def envelope_add(request: HttpRequest, pk: int) -> HttpResponse:
    call = selectors.get_call_for_user(user=request.user, pk=pk, action="change")
    form = EnvelopeForm(request.POST or None)
    return action_page(
        request,
        title=_("Envelope of %(call)s") % {"call": call.code},
        back=reverse("calls-detail", args=[pk]),
        form=form,
        run=lambda d: _save_envelope(form, call),
    )


def _save_envelope(form, call):
    envelope = form.save(commit=False)
    envelope.call = call
    envelope.save()
    return envelope


@login_required
def initiative_create(request: HttpRequest, call_pk: int) -> HttpResponse:
    call = selectors.get_call_for_user(user=request.user, pk=call_pk)
    form = InitiativeForm(request.POST or None)
    lines = LineFormSet(request.POST or None, prefix="lines")
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        data = form.cleaned_data
        currency = call.programme.currency
        try:
            initiative = services.initiative_create(
                user=request.user,
                call=call,
                organization=data["organization"],
                instrument=data["instrument"],
                variant=data["variant"],
                title=data["title"],
                summary=data["summary"],
                term_months=data["term_months"],
                lines=[
                    LineInput(
                        row["concept"],
                        to_money(row.get("project"), currency),
                        to_money(row.get("organization"), currency),
                        to_money(row.get("other"), currency),
                        row.get("description", ""),
                    )
                    for row in lines.cleaned_data
                    if row.get("concept")
                ],
                family_dnis=data["families"].replace(",", " ").split(),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            return redirect("initiatives-detail", pk=initiative.pk)
    return render(
        request, "clar/initiative_form.html", {"call": call, "form": form, "lines": lines}
    )


@login_required
def initiative_detail(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = selectors.get_initiative_for_user(user=request.user, pk=pk)
    return render(
        request,
        "clar/initiative_detail.html",
        {
            "initiative": initiative,
            "lines": initiative.lines.all(),
            "totals": initiative.totals(),
            "families": initiative.families.select_related("person"),
            "attachments": initiative.attachments.all(),
            "reasons": [describe(r["code"], r.get("params")) for r in initiative.eligibility],
            "outcomes": [
                (o, describe(o.reason, o.reason_params))
                for o in initiative.outcomes.select_related("event", "contract")
            ],
            "may_act": services._represents(request.user, initiative.organization)
            or can(request.user, "change", initiative),
        },
    )


@login_required
def initiative_submit(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = selectors.get_initiative_for_user(user=request.user, pk=pk)
    if request.method != "POST":
        raise Http404
    try:
        initiative = services.initiative_submit(user=request.user, initiative=initiative)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        if initiative.state == InitiativeState.ELIGIBLE:
            messages.success(request, _("Submitted: the plan is eligible."))
        else:
            messages.error(request, _("Submitted, but the plan is not eligible; see the reasons."))
    return redirect("initiatives-detail", pk=pk)


@login_required
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = selectors.get_initiative_for_user(user=request.user, pk=pk)
    if not (
        services._represents(request.user, initiative.organization)
        or can(request.user, "change", initiative)
    ):
        raise Http404
    form = AttachmentForm(request.POST or None, request.FILES or None)
    return action_page(
        request,
        title=_("Attach to %(code)s") % {"code": initiative.code},
        back=reverse("initiatives-detail", args=[pk]),
        form=form,
        run=lambda d: Attachment.objects.create(
            initiative=initiative, kind=d["kind"], file=d["file"], caption=d["caption"]
        ),
    )


# --- events -----------------------------------------------------------------------------------


@login_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.get_event_for_user(user=request.user, pk=pk)
    may_run = can(request.user, "change", event)
    seat = Juror.objects.filter(event=event, user=request.user).first()
    initiatives = list(services._initiatives_of(event).select_related("organization"))
    sheets = ScoreSheet.objects.filter(event=event).values_list("initiative_id", "stage")
    counts: dict[tuple[int, str], int] = {}
    for initiative_id, stage in sheets:
        counts[(initiative_id, stage)] = counts.get((initiative_id, stage), 0) + 1
    attendance = dict(event.attendances.values_list("initiative_id", "present_dnis"))
    mine = (
        set(
            ScoreSheet.objects.filter(event=event, juror=seat).values_list("initiative_id", "stage")
        )
        if seat
        else set()
    )
    rows = [
        {
            "initiative": i,
            "field": counts.get((i.pk, Stage.FIELD), 0),
            "public": counts.get((i.pk, Stage.PUBLIC), 0),
            "present": len(attendance.get(i.pk, [])) if i.pk in attendance else None,
            "mine_field": (i.pk, Stage.FIELD) in mine,
            "mine_public": (i.pk, Stage.PUBLIC) in mine,
        }
        for i in initiatives
    ]
    midterm = []
    if event.kind == EventKind.MIDTERM:
        midterm = Contract.objects.filter(
            programme=event.programme,
            state=ContractState.TRANCHE_2_REQUESTED,
            organization__district__path__startswith=event.area.path,
        ).select_related("organization")
    return render(
        request,
        "clar/event_detail.html",
        {
            "event": event,
            "jurors": event.jurors.select_related("user", "organization", "community"),
            "rows": rows,
            "may_run": may_run,
            "seat": seat,
            "midterm": midterm,
            "outcomes": event.outcomes.select_related("initiative__organization", "contract")
            if event.state == "decided"
            else [],
        },
    )


@login_required
def juror_add(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.get_event_for_user(user=request.user, pk=pk, action="change")

    def run(d):
        juror_user = User.objects.filter(username=d["username"].strip()).first()
        if juror_user is None:
            raise DomainError(_("No user has that name."), field="username")
        return services.juror_add(
            user=request.user,
            event=event,
            juror_user=juror_user,
            institution=d["institution"],
            organization=d["organization"],
            community=d["community"],
            scores_field=d["scores_field"],
            scores_public=d["scores_public"],
        )

    return action_page(
        request,
        title=_("Add a juror to %(event)s") % {"event": event.name},
        back=reverse("clar-events-detail", args=[pk]),
        form=JurorForm(request.POST or None),
        run=run,
    )


@login_required
def attendance(request: HttpRequest, pk: int, initiative_pk: int) -> HttpResponse:
    event = selectors.get_event_for_user(user=request.user, pk=pk, action="change")
    initiative = get_object_or_404(Initiative, pk=initiative_pk)
    existing = event.attendances.filter(initiative=initiative).first()
    form = AttendanceForm(
        request.POST or None,
        initial={"present_dnis": " ".join(existing.present_dnis) if existing else ""},
    )
    families = initiative.families.count()
    return action_page(
        request,
        title=_("Families present: %(code)s") % {"code": initiative.code},
        intro=_("The plan lists %(count)d families. Fewer than half present disqualifies it.")
        % {"count": families},
        back=reverse("clar-events-detail", args=[pk]),
        form=form,
        run=lambda d: services.attendance_record(
            user=request.user,
            event=event,
            initiative=initiative,
            present_dnis=d["present_dnis"].replace(",", " ").split(),
        ),
    )


@login_required
def sheet(request: HttpRequest, pk: int, initiative_pk: int, stage: str) -> HttpResponse:
    """A juror's score sheet, sized for a phone in the field."""
    event = selectors.get_event_for_user(user=request.user, pk=pk)
    initiative = get_object_or_404(Initiative, pk=initiative_pk)
    if stage not in Stage.values:
        raise Http404
    rubric = services.rubric_for(event, initiative.instrument, stage)
    criteria = list(rubric.criteria.all())
    form_class, _initial = sheet_form(criteria)
    existing = ScoreSheet.objects.filter(
        event=event, initiative=initiative, juror__user=request.user, stage=stage
    ).first()
    form = form_class(request.POST or None, initial=existing.points if existing else None)
    return action_page(
        request,
        title=f"{initiative.code} · {Stage(stage).label}",
        intro=f"{initiative.title} — {initiative.organization}. {rubric.name}"
        + (_(" (counts double)") if rubric.weight == 2 else ""),
        back=reverse("clar-events-detail", args=[pk]),
        form=form,
        run=lambda d: services.sheet_submit(
            user=request.user, event=event, initiative=initiative, stage=stage, points=d
        ),
    )


@login_required
def blank_sheets(request: HttpRequest, pk: int) -> HttpResponse:
    """Printable blank score sheets, one per initiative and stage, for paper in the field."""
    event = selectors.get_event_for_user(user=request.user, pk=pk)
    pages = []
    for initiative in services._initiatives_of(event).select_related("organization"):
        for stage in Stage.values:
            rubric = services.rubric_for(event, initiative.instrument, stage)
            pages.append(
                {
                    "initiative": initiative,
                    "stage": Stage(stage).label,
                    "rubric": rubric,
                    "criteria": [(c, _points(c.max_points_centi)) for c in rubric.criteria.all()],
                }
            )
    return render(request, "clar/blank_sheets.html", {"event": event, "pages": pages})


def _results_context(event: ClarEvent) -> dict:
    results = services.event_results(event)
    rows = []
    for position, pk in enumerate(results.ranking, start=1):
        row = results.rows[pk]
        rule_code, rule_params = services.reason_of(results.rule, row)
        opt_code, opt_params = services.reason_of(results.optimiser, row)
        for params in (rule_params, opt_params):
            params.setdefault("rank", position)
            params.setdefault("threshold", _points(event.threshold_centi))
        rows.append(
            {
                "rank": position,
                "row": row,
                "field": _points(row.field_mean),
                "public": _points(row.public_mean),
                "score": _points(row.score),
                "amount": sum(line.project_minor for line in row.initiative.lines.all()),
                "rule_funded": pk in results.rule.funded,
                "rule_reason": describe(rule_code, rule_params),
                "opt_funded": pk in results.optimiser.funded,
                "opt_reason": describe(opt_code, opt_params),
            }
        )
    return {"event": event, "results": results, "rows": rows}


@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.get_event_for_user(user=request.user, pk=pk, action="change")
    context = _results_context(event)
    form = DecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_decide(
                user=request.user, event=event, method=form.cleaned_data["method"]
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("The decision is recorded; funded initiatives have their contracts.")
            )
            return redirect("clar-events-detail", pk=pk)
    context["form"] = form
    return render(request, "clar/results.html", context)


@login_required
def midterm(request: HttpRequest, pk: int, contract_pk: int) -> HttpResponse:
    event = selectors.get_event_for_user(user=request.user, pk=pk, action="change")
    contract = get_object_or_404(Contract, pk=contract_pk)
    return button_action(
        request,
        run=lambda: services.midterm_review(
            user=request.user,
            event=event,
            contract=contract,
            approve=request.POST.get("decision") == "approve",
        ),
        success=lambda reviewed: (
            _("Mid-term decision recorded for %(code)s.") % {"code": reviewed.code}
        ),
        back=reverse("clar-events-detail", args=[pk]),
    )


def _acta_context(event: ClarEvent) -> dict:
    outcomes = list(
        event.outcomes.select_related("initiative__organization__district", "contract").order_by(
            "rank", "id"
        )
    )
    sheets = ScoreSheet.objects.filter(event=event).select_related("juror__user")
    by_initiative: dict[int, list] = {}
    for s in sheets:
        by_initiative.setdefault(s.initiative_id, []).append(s)
    jurors = list(event.jurors.select_related("user"))
    table = []
    for outcome in outcomes:
        cells = []
        for juror in jurors:
            own = {
                s.stage: s.total_centi
                for s in by_initiative.get(outcome.initiative_id, [])
                if s.juror_id == juror.pk
            }
            cells.append((_points(own.get(Stage.FIELD)), _points(own.get(Stage.PUBLIC))))
        table.append(
            {
                "outcome": outcome,
                "cells": cells,
                "score": _points(outcome.score_centi),
                "reason": describe(outcome.reason, outcome.reason_params),
            }
        )
    return {
        "event": event,
        "jurors": jurors,
        "table": table,
        "attendees": [line for line in event.other_attendees.splitlines() if line.strip()],
        "funded_total": sum(o.amount_minor for o in outcomes if o.funded),
    }


@login_required
def acta_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from django.template.loader import render_to_string
    from django.utils import translation

    event = selectors.get_event_for_user(user=request.user, pk=pk)
    if event.state != "decided":
        messages.error(request, _("The acta exists once the CLAR has decided."))
        return redirect("clar-events-detail", pk=pk)
    with translation.override("es"):
        html = render_to_string("clar/acta.html", _acta_context(event))
    try:
        from weasyprint import HTML
    except (ImportError, OSError):
        return HttpResponse(html)  # a printable page where WeasyPrint's libraries are missing
    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="acta-clar-{event.pk}.pdf"'
    return response


def public_results(request: HttpRequest, pk: int) -> HttpResponse:
    """Open to everyone: organizations, scores, ranks, outcomes and amounts — no personal data."""
    event = get_object_or_404(
        ClarEvent.objects.select_related("programme", "area"), pk=pk, state="decided"
    )
    outcomes = [
        (o, _points(o.score_centi), describe(o.reason, o.reason_params))
        for o in Outcome.objects.filter(event=event)
        .select_related("initiative__organization__district")
        .order_by("rank", "id")
    ]
    return render(
        request,
        "clar/public_results.html",
        {
            "event": event,
            "outcomes": outcomes,
            "funded_total": sum(o.amount_minor for o, _s, _r in outcomes if o.funded),
        },
    )
