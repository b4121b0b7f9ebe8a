"""Pacha Mama Raymi: contests among families (inter-family, within an organization's plan),
among communities (inter-community, within a territory or watershed), CLAR-level contests
(talking maps, territory, culture, gastronomy, youth) and final contests with categories.

Each contest has activities scored with their own criteria, ranked prize tiers, a flat
participation incentive, a factor, jurors (at most 3; 4 for territory contests), participants
with their assets before and after, one sheet per juror, participant and activity, the prizes it
awards (committed in the ledger at the results) and the payments that carry them to the
organizations. Scores are integer hundredths of a point; money is integer minor units."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from minka.core.models import FourEyesSignatures
from minka.core.money import CURRENCY_CHOICES, Money
from minka.core.scope import ScopeSpec


class Level(models.TextChoices):
    INTER_FAMILY = "family", _("Inter-family (within an organization's plan)")
    INTER_COMMUNITY = "community", _("Inter-community (within a territory)")
    CLAR = "clar", _("CLAR-level contest")
    FINAL = "final", _("Final contest")


class Theme(models.TextChoices):
    NATURAL_RESOURCES = "resources", _("Natural resources and family assets")
    TALKING_MAPS = "maps", _("Talking maps")
    TERRITORY = "territory", _("Territory")
    CULTURE = "culture", _("Culture and dance")
    GASTRONOMY = "gastronomy", _("Gastronomy")
    YOUTH = "youth", _("Youth")


class Category(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class ContestState(models.TextChoices):
    SETUP = "setup", _("Being set up")
    OPEN = "open", _("Open: enrolment and scoring")
    DECIDED = "decided", _("Results published")


class Contest(models.Model):
    """One contest: its level and theme, where it runs, its money and its rules."""

    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        related_name="contests",
        verbose_name=_("programme"),
    )
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    theme = models.CharField(
        _("theme"), max_length=12, choices=Theme.choices, default=Theme.NATURAL_RESOURCES
    )
    number = models.PositiveSmallIntegerField(
        _("contest number (1st-5th)"),
        null=True,
        blank=True,
        help_text=_("Inter-family contests are numbered within the plan: 1st to 5th."),
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contests",
        verbose_name=_("organization"),
        help_text=_("Inter-family contests: the organization whose plan's families compete."),
    )
    plan = models.ForeignKey(
        "clar.Initiative",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contests",
        verbose_name=_("plan"),
    )
    territory = models.ForeignKey(
        "geo.Territory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contests",
        verbose_name=_("territory"),
    )
    area = models.ForeignKey(
        "geo.AdminArea",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("area"),
        help_text=_("Who may run the contest follows from this area."),
    )
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    funding_source = models.ForeignKey(
        "programmes.FundingSource",
        on_delete=models.PROTECT,
        related_name="contests",
        verbose_name=_("funding source"),
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="PEN"
    )
    prize_pool_minor = models.BigIntegerField(_("prize pool (paid 100 % by the programme)"))
    participation_incentive_minor = models.BigIntegerField(
        _("participation incentive paid to every participant"), default=0
    )
    winners = models.PositiveSmallIntegerField(
        _("number of winners (per activity; per category in final contests)"), default=3
    )
    factor_centi = models.PositiveIntegerField(
        _("factor (hundredths)"),
        default=100,
        help_text=_("Score = mean of jurors' totals × factor."),
    )
    other_costs_minor = models.BigIntegerField(_("other costs"), default=0)
    third_party_note = models.CharField(_("third-party contributions"), max_length=250, blank=True)
    eligible_count = models.PositiveIntegerField(
        _("eligible population"),
        default=0,
        help_text=_("Families (or communities) that could take part: the base of participation."),
    )
    publish_family_names = models.BooleanField(
        _("publish family names on the public page"),
        default=False,
        help_text=_("Off by default: the public page shows a participant number instead."),
    )
    state = models.CharField(
        _("state"), max_length=8, choices=ContestState.choices, default=ContestState.SETUP
    )
    decided_at = models.DateTimeField(_("results published at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("results published by"),
    )
    commitment_journal = models.OneToOneField(
        "ledger.Journal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("commitment journal"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    history = HistoricalRecords()

    # Staff by area and programme; an organization's representative reads its own contests.
    scope = ScopeSpec(area="area__path", programme="programme_id", organization="organization_id")

    class Meta:
        verbose_name = _("contest")
        verbose_name_plural = _("contests")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="contest_money_non_negative",
                condition=Q(
                    prize_pool_minor__gte=0,
                    participation_incentive_minor__gte=0,
                    other_costs_minor__gte=0,
                ),
                violation_error_message=_("Amounts cannot be negative."),
            ),
            models.CheckConstraint(
                name="contest_factor_positive",
                condition=Q(factor_centi__gt=0),
                violation_error_message=_("The factor must be positive."),
            ),
            models.CheckConstraint(
                name="contest_family_has_organization",
                condition=~Q(level="family") | Q(organization__isnull=False),
                violation_error_message=_("An inter-family contest names its organization."),
            ),
            models.CheckConstraint(
                name="contest_family_number",
                condition=~Q(level="family") | Q(number__gte=1, number__lte=5),
                violation_error_message=_("Inter-family contests are numbered 1st to 5th."),
            ),
            models.CheckConstraint(
                name="contest_community_has_territory",
                condition=~Q(level="community") | Q(territory__isnull=False),
                violation_error_message=_("An inter-community contest names its territory."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def money(self, amount_minor: int) -> Money:
        return Money(int(amount_minor), self.currency)

    @property
    def commitment_ref(self) -> str:
        return f"contest:{self.pk}"

    @property
    def uses_categories(self) -> bool:
        return self.level == Level.FINAL


class Activity(models.Model):
    """What participants compete in (irrigation, terraces, pastures, kitchens, a talking map),
    with its own criteria; each activity is ranked and awarded separately."""

    contest = models.ForeignKey(
        Contest, on_delete=models.CASCADE, related_name="activities", verbose_name=_("contest")
    )
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=120)
    unit = models.CharField(
        _("unit of the assets"), max_length=20, blank=True, help_text=_("e.g. ha, m², units")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["contest_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "code"], name="activity_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name


class ActivityCriterion(models.Model):
    """One line of an activity's score sheet, with its maximum in hundredths of a point."""

    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("activity")
    )
    code = models.SlugField(_("code"), max_length=30)
    label = models.CharField(_("criterion"), max_length=200)
    max_points_centi = models.PositiveIntegerField(_("maximum points (hundredths)"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["activity_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "code"], name="contestcriterion_unique_code"
            ),
            models.CheckConstraint(
                name="contestcriterion_positive",
                condition=Q(max_points_centi__gt=0),
                violation_error_message=_("A criterion's maximum must be positive."),
            ),
        ]

    def __str__(self) -> str:
        return self.label


class PrizeTier(models.Model):
    """The prize for one rank (1st, 2nd, …) of each activity (and category) ranking."""

    contest = models.ForeignKey(
        Contest, on_delete=models.CASCADE, related_name="tiers", verbose_name=_("contest")
    )
    rank = models.PositiveSmallIntegerField(_("rank"))
    amount_minor = models.BigIntegerField(_("prize"))

    class Meta:
        verbose_name = _("prize tier")
        verbose_name_plural = _("prize tiers")
        ordering = ["contest_id", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "rank"], name="prizetier_unique_rank"),
            models.CheckConstraint(
                name="prizetier_positive",
                condition=Q(amount_minor__gt=0, rank__gte=1),
                violation_error_message=_("A prize tier is a positive amount for rank 1 or more."),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.rank}: {Money(self.amount_minor, self.contest.currency)}"


class ContestJuror(models.Model):
    """A member of the contest's jury and the organization or community it belongs to (it never
    scores their participants)."""

    contest = models.ForeignKey(
        Contest, on_delete=models.CASCADE, related_name="jurors", verbose_name=_("contest")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="contest_seats",
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

    class Meta:
        verbose_name = _("contest juror")
        verbose_name_plural = _("contest jurors")
        ordering = ["contest_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "user"], name="contestjuror_once"),
        ]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.username


class Participant(models.Model):
    """A household (inter-family contests) or an organization standing for its community
    (inter-community, CLAR-level and final contests), enrolled in one contest."""

    contest = models.ForeignKey(
        Contest, on_delete=models.CASCADE, related_name="participants", verbose_name=_("contest")
    )
    number = models.PositiveIntegerField(_("participant number"))
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contest_entries",
        verbose_name=_("household"),
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="contest_entries",
        verbose_name=_("organization (receives the prizes)"),
    )
    community = models.ForeignKey(
        "registry.Community",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contest_entries",
        verbose_name=_("community"),
    )
    category = models.CharField(_("category"), max_length=1, choices=Category.choices, blank=True)
    head_sex = models.CharField(
        _("sex of the head of household"), max_length=1, blank=True, default=""
    )
    family_name = models.CharField(
        _("family name"),
        max_length=130,
        blank=True,
        help_text=_("Surnames of the head of household; public only if the contest allows it."),
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("enrolled by"),
    )

    scope = ScopeSpec(
        area="contest__area__path",
        programme="contest__programme_id",
        organization="organization_id",
    )

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["contest_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "number"], name="participant_number"),
            models.UniqueConstraint(
                fields=["contest", "household"],
                condition=Q(household__isnull=False),
                name="participant_household_once",
                violation_error_message=_("This household is already enrolled."),
            ),
            models.UniqueConstraint(
                fields=["contest", "organization"],
                condition=Q(household__isnull=True),
                name="participant_organization_once",
                violation_error_message=_("This organization is already enrolled."),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.household_id:
            return self.family_name or self.household.code
        return self.organization.name


class Moment(models.TextChoices):
    BEFORE = "before", _("Before")
    AFTER = "after", _("After")


def asset_photo_path(instance: AssetRecord, filename: str) -> str:
    return f"contests/{instance.participant.contest_id}/assets/{instance.participant_id}/{filename}"


class AssetRecord(models.Model):
    """What a participant had in one activity before the contest and after it: the evidence of
    what the family invested, with quantity, unit, value and a photo."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="assets", verbose_name=_("participant")
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="assets", verbose_name=_("activity")
    )
    moment = models.CharField(_("moment"), max_length=6, choices=Moment.choices)
    quantity_centi = models.BigIntegerField(_("quantity (hundredths)"), default=0)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    value_minor = models.BigIntegerField(_("value"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    photo = models.ImageField(_("photo"), upload_to=asset_photo_path, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("asset record")
        verbose_name_plural = _("asset records")
        ordering = ["participant_id", "activity_id", "moment"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "activity", "moment"], name="asset_once_per_moment"
            ),
            models.CheckConstraint(
                name="asset_non_negative",
                condition=Q(quantity_centi__gte=0, value_minor__gte=0),
                violation_error_message=_("Quantities and values cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} · {self.activity} · {self.get_moment_display()}"


def map_path(instance: TalkingMap, filename: str) -> str:
    return f"contests/{instance.participant.contest_id}/maps/{instance.participant_id}/{filename}"


class TalkingMap(models.Model):
    """A community's talking maps (past, present, future), its commitments and the plan they
    feed; scored in talking-map contests."""

    participant = models.OneToOneField(
        Participant,
        on_delete=models.CASCADE,
        related_name="talking_map",
        verbose_name=_("participant"),
    )
    past_map = models.ImageField(_("map of the past (20-30 years ago)"), upload_to=map_path)
    present_map = models.ImageField(_("map of the present"), upload_to=map_path)
    future_map = models.ImageField(_("map of the future (30 years ahead)"), upload_to=map_path)
    commitments = models.TextField(_("the community's commitments"))
    plan = models.ForeignKey(
        "clar.Initiative",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="talking_maps",
        verbose_name=_("plan it feeds"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("talking map")
        verbose_name_plural = _("talking maps")

    def __str__(self) -> str:
        return str(self.participant)


class ScoreSheet(models.Model):
    """One juror's sheet for one participant in one activity."""

    contest = models.ForeignKey(
        Contest, on_delete=models.CASCADE, related_name="sheets", verbose_name=_("contest")
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="sheets", verbose_name=_("participant")
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="sheets", verbose_name=_("activity")
    )
    juror = models.ForeignKey(
        ContestJuror, on_delete=models.PROTECT, related_name="sheets", verbose_name=_("juror")
    )
    points = models.JSONField(_("points"), default=dict)
    total_centi = models.IntegerField(_("total (hundredths)"))
    submitted_at = models.DateTimeField(_("submitted at"), auto_now=True)

    class Meta:
        verbose_name = _("contest score sheet")
        verbose_name_plural = _("contest score sheets")
        constraints = [
            models.UniqueConstraint(
                fields=["juror", "participant", "activity"], name="contestsheet_one_per_juror"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} · {self.activity} · {self.juror}"


class Standing(models.Model):
    """A participant's published result in one activity: score and rank."""

    contest = models.ForeignKey(
        Contest, on_delete=models.CASCADE, related_name="standings", verbose_name=_("contest")
    )
    participant = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        related_name="standings",
        verbose_name=_("participant"),
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="standings", verbose_name=_("activity")
    )
    score_centi = models.IntegerField(_("score (hundredths)"), null=True, blank=True)
    mean_centi = models.IntegerField(_("mean of the jurors (hundredths)"), null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)

    class Meta:
        verbose_name = _("standing")
        verbose_name_plural = _("standings")
        ordering = ["contest_id", "activity_id", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "activity"], name="standing_once_per_activity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} · {self.activity}: {self.rank}"


class PrizeKind(models.TextChoices):
    RANKED = "ranked", _("Ranked prize")
    PARTICIPATION = "participation", _("Participation incentive")


class PaymentState(models.TextChoices):
    PREPARED = "prepared", _("Prepared")
    APPROVED = "approved", _("Approved")
    EXECUTED = "executed", _("Executed")
    CANCELLED = "cancelled", _("Cancelled")


class PrizePayment(FourEyesSignatures):
    """A funds-transfer authorisation for prizes: to one winner's organization, or a batch to the
    organization that pays its families. Prepared by one user, approved by another, executed
    with the bank's reference; execution moves the money through the ledger."""

    contest = models.ForeignKey(
        Contest, on_delete=models.PROTECT, related_name="payments", verbose_name=_("contest")
    )
    number = models.CharField(_("number"), max_length=40, unique=True)
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="prize_payments",
        verbose_name=_("organization paid"),
    )
    bank_account = models.ForeignKey(
        "registry.BankAccount",
        on_delete=models.PROTECT,
        related_name="prize_payments",
        verbose_name=_("destination account"),
    )
    amount_minor = models.BigIntegerField(_("amount"))
    state = models.CharField(
        _("state"), max_length=10, choices=PaymentState.choices, default=PaymentState.PREPARED
    )
    executed_on = models.DateField(_("executed on"), null=True, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=60, blank=True)
    journal = models.OneToOneField(
        "ledger.Journal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("disbursement journal"),
    )
    history = HistoricalRecords()

    scope = ScopeSpec(
        area="contest__area__path",
        programme="contest__programme_id",
        organization="organization_id",
    )

    class Meta:
        verbose_name = _("prize payment (ATF)")
        verbose_name_plural = _("prize payments (ATF)")
        ordering = ["-prepared_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="prizepayment_amount_positive", condition=Q(amount_minor__gt=0)
            ),
            models.CheckConstraint(
                name="prizepayment_four_eyes",
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
                violation_error_message=_("The person who prepared a payment cannot approve it."),
            ),
            models.CheckConstraint(
                name="prizepayment_executed_has_reference",
                condition=~Q(state="executed") | (~Q(bank_reference="") & Q(journal__isnull=False)),
                violation_error_message=_("An executed payment has a bank reference."),
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Prize(models.Model):
    """A prize awarded by the contest: a ranked prize in one activity (at most one per
    participant and activity), or the participation incentive (one per participant)."""

    contest = models.ForeignKey(
        Contest, on_delete=models.CASCADE, related_name="prizes", verbose_name=_("contest")
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="prizes", verbose_name=_("participant")
    )
    activity = models.ForeignKey(
        Activity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prizes",
        verbose_name=_("activity"),
    )
    kind = models.CharField(_("kind"), max_length=14, choices=PrizeKind.choices)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    amount_minor = models.BigIntegerField(_("programme prize"))
    payment = models.ForeignKey(
        PrizePayment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="prizes",
        verbose_name=_("payment"),
    )

    class Meta:
        verbose_name = _("prize")
        verbose_name_plural = _("prizes")
        ordering = ["contest_id", "activity_id", "rank", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "participant", "activity"],
                condition=Q(kind="ranked"),
                name="prize_one_per_activity",
                violation_error_message=_(
                    "A participant wins at most one prize per activity in a contest."
                ),
            ),
            models.UniqueConstraint(
                fields=["contest", "participant"],
                condition=Q(kind="participation"),
                name="prize_one_incentive",
            ),
            models.CheckConstraint(
                name="prize_ranked_has_activity",
                condition=~Q(kind="ranked") | (Q(activity__isnull=False) & Q(rank__isnull=False)),
            ),
            models.CheckConstraint(name="prize_positive", condition=Q(amount_minor__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.participant} · {self.activity or self.get_kind_display()}"


class ThirdPartyPrize(models.Model):
    """Prize money from someone other than the programme (a municipality, an NGO), recorded by
    source; it does not pass through the programme's ledger."""

    contest = models.ForeignKey(
        Contest,
        on_delete=models.CASCADE,
        related_name="third_party_prizes",
        verbose_name=_("contest"),
    )
    participant = models.ForeignKey(
        Participant,
        on_delete=models.PROTECT,
        related_name="third_party_prizes",
        verbose_name=_("participant"),
    )
    activity = models.ForeignKey(
        Activity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("activity"),
    )
    source = models.CharField(_("source"), max_length=200)
    amount_minor = models.BigIntegerField(_("amount"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("third-party prize")
        verbose_name_plural = _("third-party prizes")
        ordering = ["contest_id", "source", "id"]
        constraints = [
            models.CheckConstraint(
                name="thirdpartyprize_positive",
                condition=Q(amount_minor__gt=0),
                violation_error_message=_("The amount must be positive."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.participant}"
