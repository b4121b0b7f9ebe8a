"""The CLAR: calls for initiatives, initiatives with their budgets and families, rubrics as
data, public events with their juries and score sheets, and the recorded outcome of each
initiative. Scores are stored in hundredths of a point (integers) so ties are exact."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from minka.contracts.models import Concept, Instrument
from minka.core.money import CURRENCY_CHOICES, Money
from minka.core.scope import ScopeSpec


class Call(models.Model):
    """A convocatoria: which initiatives may compete, with how much money, under which rules."""

    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        related_name="calls",
        verbose_name=_("programme"),
    )
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    funding_source = models.ForeignKey(
        "programmes.FundingSource",
        on_delete=models.PROTECT,
        related_name="calls",
        verbose_name=_("funding source"),
    )
    min_amount_minor = models.BigIntegerField(_("minimum project share per initiative"), default=0)
    max_amount_minor = models.BigIntegerField(_("maximum project share per initiative"))
    min_counterpart_percent = models.PositiveSmallIntegerField(
        _("minimum counterpart, % of total cost"), default=0
    )
    max_plans_per_family = models.PositiveSmallIntegerField(
        _("plans a family may join in this call"), default=1
    )
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()

    scope = ScopeSpec(programme="programme_id")

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-opens_on", "code"]
        constraints = [
            models.CheckConstraint(
                name="call_dates_order", condition=Q(closes_on__gte=models.F("opens_on"))
            ),
            models.CheckConstraint(
                name="call_amounts_order",
                condition=Q(max_amount_minor__gte=models.F("min_amount_minor")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Envelope(models.Model):
    """Money of a call for one instrument, optionally reserved to one area (department or
    province); the CLAR allocates within it."""

    call = models.ForeignKey(
        Call, on_delete=models.CASCADE, related_name="envelopes", verbose_name=_("call")
    )
    instrument = models.CharField(_("instrument"), max_length=10, choices=Instrument.choices)
    area = models.ForeignKey(
        "geo.AdminArea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
    )
    amount_minor = models.BigIntegerField(_("amount"))

    class Meta:
        verbose_name = _("envelope")
        verbose_name_plural = _("envelopes")
        constraints = [
            models.CheckConstraint(name="envelope_positive", condition=Q(amount_minor__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} {self.area or ''}".strip()


class Variant(models.TextChoices):
    STANDALONE = "standalone", _("Stand-alone")
    IN_PIT = "in_pit", _("Inside a territorial plan")
    YOUTH = "youth", _("Youth")


class InitiativeState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ELIGIBLE = "eligible", _("Eligible")
    INELIGIBLE = "ineligible", _("Not eligible")
    APPROVED = "approved", _("Approved")
    NOT_APPROVED = "not_approved", _("Not approved")
    FUNDED = "funded", _("Funded")
    NOT_FUNDED = "not_funded", _("Approved, not funded")


class Initiative(models.Model):
    """A plan an organization presents to a call: PGRN, PDN (stand-alone, inside a PIT or
    youth), PIT bundling PGRNs and PDNs under a lead organization, or a municipal IDL."""

    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, related_name="initiatives", verbose_name=_("call")
    )
    code = models.CharField(_("code"), max_length=40, unique=True)
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="initiatives",
        verbose_name=_("organization"),
    )
    instrument = models.CharField(_("instrument"), max_length=10, choices=Instrument.choices)
    variant = models.CharField(
        _("variant"), max_length=12, choices=Variant.choices, default=Variant.STANDALONE
    )
    pit = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="components",
        verbose_name=_("territorial plan"),
    )
    title = models.CharField(_("title"), max_length=250)
    summary = models.TextField(_("summary"), blank=True)
    term_months = models.PositiveSmallIntegerField(_("term (months)"), default=12)
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="PEN"
    )
    state = models.CharField(
        _("state"), max_length=14, choices=InitiativeState.choices, default=InitiativeState.DRAFT
    )
    eligibility = models.JSONField(_("eligibility reasons"), default=list, blank=True)
    submitted_seq = models.PositiveIntegerField(_("submission order"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    history = HistoricalRecords()

    scope = ScopeSpec(area="organization__district__path", organization="organization_id")

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["call_id", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "submitted_seq"], name="initiative_unique_submission"
            ),
            models.CheckConstraint(
                name="initiative_pit_component",
                condition=~Q(variant="in_pit") | Q(pit__isnull=False),
                violation_error_message=_("A plan inside a PIT names its PIT."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    @property
    def women_led(self) -> bool:
        return self.organization.kind == "women"

    @property
    def youth(self) -> bool:
        return self.variant == Variant.YOUTH or self.organization.kind == "youth"

    def totals(self) -> dict[str, Money]:
        row = self.lines.aggregate(
            project=models.Sum("project_minor"),
            organization=models.Sum("organization_minor"),
            other=models.Sum("other_minor"),
        )
        return {k: Money(int(v or 0), self.currency) for k, v in row.items()}


class InitiativeLine(models.Model):
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="lines", verbose_name=_("initiative")
    )
    concept = models.CharField(_("concept"), max_length=12, choices=Concept.choices)
    description = models.CharField(_("description"), max_length=250, blank=True)
    project_minor = models.BigIntegerField(_("project share"), default=0)
    organization_minor = models.BigIntegerField(_("organization's share"), default=0)
    other_minor = models.BigIntegerField(_("other co-financiers"), default=0)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "concept"], name="initiativeline_one_per_concept"
            ),
            models.CheckConstraint(
                name="initiativeline_non_negative",
                condition=Q(project_minor__gte=0, organization_minor__gte=0, other_minor__gte=0),
            ),
            models.CheckConstraint(
                name="initiativeline_prizes_project_only",
                condition=~Q(concept="prizes") | Q(organization_minor=0, other_minor=0),
                violation_error_message=_("Contest prizes are paid 100 % by the project."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_concept_display()


class InitiativeFamily(models.Model):
    """A family that takes part in the plan, by the DNI of its representative."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="families", verbose_name=_("initiative")
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )

    class Meta:
        verbose_name = _("participating family")
        verbose_name_plural = _("participating families")
        constraints = [
            models.UniqueConstraint(fields=["initiative", "person"], name="initiativefamily_unique")
        ]

    def __str__(self) -> str:
        return str(self.person)


class AttachmentKind(models.TextChoices):
    PLAN = "plan", _("Plan document")
    TALKING_MAP = "map", _("Talking map")
    PHOTO = "photo", _("Photo")
    TECHNICAL_FILE = "technical", _("Approved technical file")


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"initiatives/{instance.initiative_id}/{filename}"


class Attachment(models.Model):
    initiative = models.ForeignKey(
        Initiative,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("initiative"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to=attachment_path)
    caption = models.CharField(_("caption"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.caption or self.file.name


class Stage(models.TextChoices):
    FIELD = "field", _("Field evaluation")
    PUBLIC = "public", _("Public presentation")


class Rubric(models.Model):
    """A versioned set of criteria for one instrument and stage. Programme rubrics override the
    shipped defaults (programme empty) for that programme."""

    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rubrics",
        verbose_name=_("programme"),
    )
    instrument = models.CharField(_("instrument"), max_length=10, choices=Instrument.choices)
    stage = models.CharField(_("stage"), max_length=8, choices=Stage.choices)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=150)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, help_text=_("The field sheet counts double.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")
        ordering = ["instrument", "stage", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "instrument", "stage", "version"], name="rubric_unique_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class RubricCriterion(models.Model):
    rubric = models.ForeignKey(
        Rubric, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("rubric")
    )
    code = models.CharField(_("code"), max_length=30)
    label = models.CharField(_("criterion"), max_length=200)
    max_points_centi = models.PositiveIntegerField(_("maximum points (hundredths)"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # The attendance criterion is computed from the DNIs of the families present.
    from_attendance = models.BooleanField(_("computed from attendance"), default=False)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["rubric_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["rubric", "code"], name="criterion_unique_code")
        ]

    def __str__(self) -> str:
        return self.label


class EventKind(models.TextChoices):
    ALLOCATION = "allocation", _("First allocation")
    MIDTERM = "midterm", _("Mid-term review")


class OrganiserKind(models.TextChoices):
    PROGRAMME = "programme", _("The programme")
    MUNICIPALITY = "municipality", _("Municipality")
    OTHER = "other", _("Other")


class EventState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DECIDED = "decided", _("Decided")


class Method(models.TextChoices):
    RULE = "rule", _("Rank order until the envelope is spent (the rule)")
    OPTIMISER = "optimiser", _("Optimiser: highest total score within the same constraints")


class ClarEvent(models.Model):
    """A public CLAR: where and when, who organises it, its budget and its jury."""

    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        related_name="clar_events",
        verbose_name=_("programme"),
    )
    call = models.ForeignKey(
        Call,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("call"),
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=EventKind.choices, default=EventKind.ALLOCATION
    )
    name = models.CharField(_("name"), max_length=200)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    area = models.ForeignKey(
        "geo.AdminArea", on_delete=models.PROTECT, related_name="+", verbose_name=_("area")
    )
    organiser_kind = models.CharField(
        _("organiser"),
        max_length=12,
        choices=OrganiserKind.choices,
        default=OrganiserKind.PROGRAMME,
    )
    organiser_name = models.CharField(_("organiser's name"), max_length=200, blank=True)
    field_from = models.DateField(_("field evaluation from"), null=True, blank=True)
    field_to = models.DateField(_("field evaluation to"), null=True, blank=True)
    budget_minor = models.BigIntegerField(_("budget"), default=0)
    threshold_centi = models.PositiveIntegerField(
        _("approval threshold (hundredths)"), default=7000
    )
    min_women_share_percent = models.PositiveSmallIntegerField(
        _("minimum share for women-led organizations, %"), null=True, blank=True
    )
    min_youth_share_percent = models.PositiveSmallIntegerField(
        _("minimum share for youth plans, %"), null=True, blank=True
    )
    max_per_district = models.PositiveSmallIntegerField(
        _("maximum funded initiatives per district"), null=True, blank=True
    )
    state = models.CharField(
        _("state"), max_length=10, choices=EventState.choices, default=EventState.PLANNED
    )
    method = models.CharField(
        _("allocation method used"), max_length=10, choices=Method.choices, blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    other_attendees = models.TextField(
        _("other attendees"), blank=True, help_text=_("One per line: name and institution.")
    )
    history = HistoricalRecords()

    scope = ScopeSpec(area="area__path", programme="programme_id")

    class Meta:
        verbose_name = _("CLAR event")
        verbose_name_plural = _("CLAR events")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.held_on})"


class Juror(models.Model):
    """A member of the jury: a user with the juror role, its institution, and the organization
    or community it belongs to (it never scores their initiatives)."""

    event = models.ForeignKey(
        ClarEvent, on_delete=models.CASCADE, related_name="jurors", verbose_name=_("event")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="juror_seats",
        verbose_name=_("user"),
    )
    institution = models.CharField(_("institution"), max_length=200)
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("own organization"),
    )
    community = models.ForeignKey(
        "registry.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("own community"),
    )
    scores_field = models.BooleanField(_("scores in the field"), default=True)
    scores_public = models.BooleanField(_("scores the public presentation"), default=True)

    class Meta:
        verbose_name = _("juror")
        verbose_name_plural = _("jurors")
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="juror_once_per_event"),
            models.CheckConstraint(
                name="juror_scores_something",
                condition=Q(scores_field=True) | Q(scores_public=True),
            ),
        ]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.username


class Attendance(models.Model):
    """The families of a plan present at the field evaluation, by DNI."""

    event = models.ForeignKey(
        ClarEvent, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("event")
    )
    initiative = models.ForeignKey(
        Initiative,
        on_delete=models.CASCADE,
        related_name="attendances",
        verbose_name=_("initiative"),
    )
    present_dnis = models.JSONField(_("DNIs present"), default=list)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(fields=["event", "initiative"], name="attendance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.initiative.code}: {len(self.present_dnis)}"


class ScoreSheet(models.Model):
    """One juror's sheet for one initiative at one stage."""

    event = models.ForeignKey(
        ClarEvent, on_delete=models.CASCADE, related_name="sheets", verbose_name=_("event")
    )
    initiative = models.ForeignKey(
        Initiative, on_delete=models.PROTECT, related_name="sheets", verbose_name=_("initiative")
    )
    juror = models.ForeignKey(
        Juror, on_delete=models.PROTECT, related_name="sheets", verbose_name=_("juror")
    )
    stage = models.CharField(_("stage"), max_length=8, choices=Stage.choices)
    rubric = models.ForeignKey(
        Rubric, on_delete=models.PROTECT, related_name="+", verbose_name=_("rubric")
    )
    points = models.JSONField(_("points"), default=dict)
    total_centi = models.IntegerField(_("total (hundredths, weighted)"))
    submitted_at = models.DateTimeField(_("submitted at"), auto_now=True)

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "initiative", "juror", "stage"], name="sheet_one_per_juror_stage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative.code} · {self.juror} · {self.get_stage_display()}"


class Outcome(models.Model):
    """What the CLAR decided for one initiative, with the reason, as published in the acta."""

    event = models.ForeignKey(
        ClarEvent, on_delete=models.CASCADE, related_name="outcomes", verbose_name=_("event")
    )
    initiative = models.ForeignKey(
        Initiative, on_delete=models.PROTECT, related_name="outcomes", verbose_name=_("initiative")
    )
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    score_centi = models.IntegerField(_("final score (hundredths)"), null=True, blank=True)
    field_mean_centi = models.IntegerField(_("field mean (hundredths)"), null=True, blank=True)
    public_mean_centi = models.IntegerField(_("public mean (hundredths)"), null=True, blank=True)
    approved = models.BooleanField(_("approved"), default=False)
    funded = models.BooleanField(_("funded"), default=False)
    amount_minor = models.BigIntegerField(_("amount allocated"), default=0)
    reason = models.CharField(_("reason"), max_length=40)
    reason_params = models.JSONField(_("reason details"), default=dict)
    contract = models.OneToOneField(
        "contracts.Contract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clar_outcome",
        verbose_name=_("contract"),
    )

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        ordering = ["event_id", "rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "initiative"], name="outcome_unique")
        ]

    def __str__(self) -> str:
        return f"{self.initiative.code}: {self.reason}"
