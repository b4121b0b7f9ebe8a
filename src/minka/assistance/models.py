"""The technical-assistance market and the farmer-to-farmer training cascade.

Market: providers' public profiles and the territories they serve; the organization's contract
with a provider (topic, dates, days and rate, how it chose, amounts by payer, a copy attached
to its Donación con Carga); the service confirmations its representative signs before each
payment; the payments (through the ledger when they touch the grant); the client's rating.

Cascade: yachaq train yachachiq at training events (attendance by person); each yachachiq is
assigned the households of its plan (a load limit per programme), visits them, teaches
practices and verifies their adoption later.

Money amounts are integer minor units in the contract's currency.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from minka.core.money import CURRENCY_CHOICES, Money
from minka.core.scope import ScopeSpec

# --- market ----------------------------------------------------------------------------------


class ProviderProfile(models.Model):
    """A provider's public profile in the market directory: what it offers, its reference
    daily rate and whether it takes new work. Every signed-in user reads it (no personal data:
    the DNI stays in the registry)."""

    provider = models.OneToOneField(
        "registry.Provider",
        on_delete=models.CASCADE,
        related_name="market_profile",
        verbose_name=_("provider"),
    )
    summary = models.TextField(_("what it offers"), blank=True)
    daily_rate_minor = models.BigIntegerField(_("reference daily rate"), null=True, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="PEN"
    )
    available = models.BooleanField(_("takes new work"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    scope = ScopeSpec(reference=True)

    class Meta:
        verbose_name = _("provider profile")
        verbose_name_plural = _("provider profiles")
        ordering = ["provider__name", "provider_id"]
        constraints = [
            models.CheckConstraint(
                name="providerprofile_rate_positive",
                condition=Q(daily_rate_minor__isnull=True) | Q(daily_rate_minor__gt=0),
                violation_error_message=_("The daily rate must be positive."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.provider)


class ProviderCoverage(models.Model):
    """A territory (department, province or district) a provider serves."""

    provider = models.ForeignKey(
        "registry.Provider",
        on_delete=models.CASCADE,
        related_name="coverage",
        verbose_name=_("provider"),
    )
    area = models.ForeignKey(
        "geo.AdminArea",
        on_delete=models.PROTECT,
        related_name="provider_coverage",
        verbose_name=_("area served"),
    )

    scope = ScopeSpec(reference=True)

    class Meta:
        verbose_name = _("territory served")
        verbose_name_plural = _("territories served")
        ordering = ["provider_id", "area__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "area"],
                name="providercoverage_unique",
                violation_error_message=_("The provider already serves this area."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} · {self.area}"


class SelectionMethod(models.TextChoices):
    COMPETITION = "competition", _("Competition among candidates")
    RECOMMENDATION = "recommendation", _("Recommendation")
    ASSEMBLY = "assembly", _("Community assembly")
    DIRECTORY = "directory", _("Chosen from the directory")
    RENEWAL = "renewal", _("Renewal of a provider already known")
    OTHER = "other", _("Other")


class ServiceState(models.TextChoices):
    ACTIVE = "active", _("Contracted")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


def contract_copy_path(instance: ServiceContract, filename: str) -> str:
    return f"assistance/contracts/{instance.organization_id}/{filename}"


class ServiceContract(models.Model):
    """A technical-assistance contract between an organization and a provider, for an
    initiative funded by the organization's Donación con Carga or on the organization's own."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        related_name="service_contracts",
        verbose_name=_("programme"),
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="service_contracts",
        verbose_name=_("organization"),
    )
    provider = models.ForeignKey(
        "registry.Provider",
        on_delete=models.PROTECT,
        related_name="service_contracts",
        verbose_name=_("provider"),
    )
    grant_contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_contracts",
        verbose_name=_("grant contract (Donación con Carga)"),
        help_text=_("The organization's grant contract this service is paid from and attached to."),
    )
    topic = models.CharField(_("topic"), max_length=200)
    description = models.TextField(_("terms of reference"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    days = models.PositiveSmallIntegerField(_("days of service"))
    daily_rate_minor = models.BigIntegerField(_("daily rate"))
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="PEN"
    )
    selection = models.CharField(
        _("how the provider was chosen"), max_length=16, choices=SelectionMethod.choices
    )
    selection_note = models.CharField(_("selection details"), max_length=300, blank=True)
    grant_minor = models.BigIntegerField(_("paid from the grant"), default=0)
    own_minor = models.BigIntegerField(_("paid with the organization's own money"), default=0)
    other_minor = models.BigIntegerField(_("paid by others"), default=0)
    other_payer = models.CharField(_("other payer"), max_length=120, blank=True)
    copy = models.FileField(_("signed copy"), upload_to=contract_copy_path, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ServiceState.choices, default=ServiceState.ACTIVE
    )
    men_assisted = models.PositiveIntegerField(_("men assisted"), null=True, blank=True)
    women_assisted = models.PositiveIntegerField(_("women assisted"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    closing_note = models.CharField(_("closing note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    history = HistoricalRecords()

    # The client organization's representative and the provider see it; officers their area.
    scope = ScopeSpec(
        area="organization__district__path",
        organization="organization_id",
        provider="provider_id",
    )

    class Meta:
        verbose_name = _("technical-assistance contract")
        verbose_name_plural = _("technical-assistance contracts")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="servicecontract_dates_order",
                condition=Q(ends_on__gte=F("starts_on")),
                violation_error_message=_("The service cannot end before it starts."),
            ),
            models.CheckConstraint(
                name="servicecontract_days_positive",
                condition=Q(days__gt=0, daily_rate_minor__gt=0),
                violation_error_message=_("Days and daily rate must be positive."),
            ),
            models.CheckConstraint(
                name="servicecontract_amounts_non_negative",
                condition=Q(grant_minor__gte=0, own_minor__gte=0, other_minor__gte=0),
                violation_error_message=_("Amounts cannot be negative."),
            ),
            models.CheckConstraint(
                name="servicecontract_payers_add_up",
                condition=Q(
                    grant_minor=F("days") * F("daily_rate_minor")
                    - F("own_minor")
                    - F("other_minor")
                ),
                violation_error_message=_("The amounts by payer must add up to days × rate."),
            ),
            models.CheckConstraint(
                name="servicecontract_grant_needs_contract",
                condition=Q(grant_minor=0) | Q(grant_contract__isnull=False),
                violation_error_message=_("Money from the grant needs the grant contract."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.topic}"

    @property
    def total_minor(self) -> int:
        return self.grant_minor + self.own_minor + self.other_minor

    @property
    def total(self) -> Money:
        return Money(self.total_minor, self.currency)

    def money(self, amount_minor: int) -> Money:
        return Money(amount_minor, self.currency)


class ServiceConfirmation(models.Model):
    """The organization's sign-off that a part of the service was delivered; a payment needs
    one. Signed by the organization's current president or treasurer."""

    contract = models.ForeignKey(
        ServiceContract,
        on_delete=models.PROTECT,
        related_name="confirmations",
        verbose_name=_("contract"),
    )
    number = models.PositiveSmallIntegerField(_("number"))
    confirmed_on = models.DateField(_("confirmed on"))
    days_delivered = models.PositiveSmallIntegerField(_("days delivered"))
    work_done = models.TextField(_("work done"))
    amount_minor = models.BigIntegerField(_("amount to pay"))
    signed_by = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signed by (board)"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope = ScopeSpec(
        area="contract__organization__district__path",
        organization="contract__organization_id",
        provider="contract__provider_id",
    )

    class Meta:
        verbose_name = _("service confirmation")
        verbose_name_plural = _("service confirmations")
        ordering = ["contract_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "number"], name="serviceconfirmation_unique_number"
            ),
            models.CheckConstraint(
                name="serviceconfirmation_positive",
                condition=Q(amount_minor__gt=0, days_delivered__gt=0),
                violation_error_message=_("Days delivered and the amount must be positive."),
            ),
        ]

    def __str__(self) -> str:
        return _("Confirmation %(number)d of %(code)s") % {
            "number": self.number,
            "code": self.contract.code,
        }

    @property
    def amount(self) -> Money:
        return Money(self.amount_minor, self.contract.currency)

    @property
    def paid(self) -> bool:
        return hasattr(self, "payment")


class ServicePayment(models.Model):
    """The payment of one confirmed part of the service, by payer. The grant's part is spending
    of the funds the organization holds (SPENT ← HELD); the organization's own part is a
    counterpart contribution (COUNTERPART ← CONTRIBUTED) when there is a grant contract."""

    confirmation = models.OneToOneField(
        ServiceConfirmation,
        on_delete=models.PROTECT,
        related_name="payment",
        verbose_name=_("confirmation"),
    )
    contract = models.ForeignKey(
        ServiceContract,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("contract"),
    )
    paid_on = models.DateField(_("paid on"))
    grant_minor = models.BigIntegerField(_("from the grant"), default=0)
    own_minor = models.BigIntegerField(_("organization's own money"), default=0)
    other_minor = models.BigIntegerField(_("from others"), default=0)
    receipt = models.CharField(_("provider's receipt"), max_length=40)
    grant_journal = models.OneToOneField(
        "ledger.Journal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("grant journal"),
    )
    own_journal = models.OneToOneField(
        "ledger.Journal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("counterpart journal"),
    )
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    scope = ScopeSpec(
        area="contract__organization__district__path",
        organization="contract__organization_id",
        provider="contract__provider_id",
    )

    class Meta:
        verbose_name = _("service payment")
        verbose_name_plural = _("service payments")
        ordering = ["contract_id", "paid_on", "id"]
        constraints = [
            models.CheckConstraint(
                name="servicepayment_amounts",
                condition=Q(grant_minor__gte=0, own_minor__gte=0, other_minor__gte=0)
                & (Q(grant_minor__gt=0) | Q(own_minor__gt=0) | Q(other_minor__gt=0)),
                violation_error_message=_("A payment must have a positive amount."),
            ),
            models.CheckConstraint(
                name="servicepayment_grant_through_ledger",
                condition=Q(grant_minor=0) | Q(grant_journal__isnull=False),
                violation_error_message=_("Money from the grant moves through the ledger."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.code} · {self.receipt}"

    @property
    def total_minor(self) -> int:
        return self.grant_minor + self.own_minor + self.other_minor

    @property
    def grant_money(self) -> Money:
        return Money(self.grant_minor, self.contract.currency)

    @property
    def own_money(self) -> Money:
        return Money(self.own_minor, self.contract.currency)

    @property
    def other_money(self) -> Money:
        return Money(self.other_minor, self.contract.currency)


class ProviderRating(models.Model):
    """The client organization's rating of the provider at the end of the service: four
    criteria from 1 (bad) to 5 (excellent) and a comment."""

    contract = models.OneToOneField(
        ServiceContract,
        on_delete=models.PROTECT,
        related_name="rating",
        verbose_name=_("contract"),
    )
    provider = models.ForeignKey(
        "registry.Provider",
        on_delete=models.PROTECT,
        related_name="ratings",
        verbose_name=_("provider"),
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="provider_ratings",
        verbose_name=_("organization"),
    )
    quality = models.PositiveSmallIntegerField(_("quality of the work"))
    punctuality = models.PositiveSmallIntegerField(_("punctuality and days kept"))
    relevance = models.PositiveSmallIntegerField(_("relevance to our needs"))
    communication = models.PositiveSmallIntegerField(_("respect and communication"))
    would_hire_again = models.BooleanField(_("would hire again"))
    comment = models.TextField(_("comment"), blank=True)
    signed_by = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signed by (board)"),
    )
    # The representative's account; empty only for ratings loaded from paper records.
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    rated_on = models.DateField(_("rated on"))

    scope = ScopeSpec(
        area="organization__district__path",
        organization="organization_id",
        provider="provider_id",
    )

    class Meta:
        verbose_name = _("provider rating")
        verbose_name_plural = _("provider ratings")
        ordering = ["-rated_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="providerrating_scores_1_to_5",
                condition=Q(
                    quality__gte=1,
                    quality__lte=5,
                    punctuality__gte=1,
                    punctuality__lte=5,
                    relevance__gte=1,
                    relevance__lte=5,
                    communication__gte=1,
                    communication__lte=5,
                ),
                violation_error_message=_("Each criterion is scored from 1 to 5."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} · {self.organization} ({self.score})"

    @property
    def score(self) -> str:
        total = self.quality + self.punctuality + self.relevance + self.communication
        return f"{total / 4:.1f}"


# --- cascade ---------------------------------------------------------------------------------


class CascadeSettings(models.Model):
    """A programme's load rule for yachachiq: above the usual number of households a warning,
    above the hard cap a refusal."""

    programme = models.OneToOneField(
        "programmes.Programme",
        on_delete=models.CASCADE,
        related_name="cascade_settings",
        verbose_name=_("programme"),
    )
    households_per_yachachiq = models.PositiveSmallIntegerField(
        _("usual households per yachachiq"), default=40
    )
    hard_cap = models.PositiveSmallIntegerField(_("maximum households per yachachiq"), default=60)
    history = HistoricalRecords()

    scope = ScopeSpec(programme="programme_id")

    class Meta:
        verbose_name = _("cascade settings")
        verbose_name_plural = _("cascade settings")
        constraints = [
            models.CheckConstraint(
                name="cascadesettings_limits_order",
                condition=Q(households_per_yachachiq__gte=1)
                & Q(hard_cap__gte=F("households_per_yachachiq")),
                violation_error_message=_(
                    "The maximum must be at least the usual number of households."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.code}: {self.households_per_yachachiq}/{self.hard_cap}"


class Practice(models.TextChoices):
    IRRIGATION = "irrigation", _("Sprinkler or furrow irrigation")
    TERRACES = "terraces", _("Terraces and infiltration ditches")
    PASTURES = "pastures", _("Improved pastures")
    HOME_GARDEN = "garden", _("Home vegetable garden")
    KITCHEN = "kitchen", _("Improved kitchen")
    GUINEA_PIGS = "cuyes", _("Guinea-pig sheds")
    COMPOST = "compost", _("Compost and organic fertiliser")
    ANIMAL_HEALTH = "animal_health", _("Animal health")
    FORESTRY = "forestry", _("Native-tree planting")
    HOUSING = "housing", _("Healthy housing")
    SEEDS = "seeds", _("Selected native seed")


class TrainingEvent(models.Model):
    """A training event of the cascade: a yachaq (or technician) trains yachachiq."""

    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        related_name="training_events",
        verbose_name=_("programme"),
    )
    trainer = models.ForeignKey(
        "registry.Provider",
        on_delete=models.PROTECT,
        related_name="training_events",
        verbose_name=_("trainer"),
    )
    topic = models.CharField(_("topic"), max_length=200)
    practice = models.CharField(
        _("practice taught"), max_length=16, choices=Practice.choices, blank=True
    )
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=150)
    district = models.ForeignKey(
        "geo.AdminArea",
        on_delete=models.PROTECT,
        related_name="training_events",
        verbose_name=_("district"),
        limit_choices_to={"level": 3},
    )
    cost_minor = models.BigIntegerField(_("cost"), default=0)
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="PEN"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    history = HistoricalRecords()

    scope = ScopeSpec(area="district__path", provider="trainer_id")

    class Meta:
        verbose_name = _("training event")
        verbose_name_plural = _("training events")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="trainingevent_cost_non_negative",
                condition=Q(cost_minor__gte=0),
                violation_error_message=_("The cost cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.held_on} · {self.topic}"

    @property
    def cost(self) -> Money:
        return Money(self.cost_minor, self.currency)


class Attendance(models.Model):
    """A person present at a training event."""

    event = models.ForeignKey(
        TrainingEvent,
        on_delete=models.CASCADE,
        related_name="attendance",
        verbose_name=_("event"),
    )
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="training_attendance",
        verbose_name=_("person"),
    )

    scope = ScopeSpec(area="event__district__path", provider="event__trainer_id")

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["event_id", "person_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "person"],
                name="attendance_once_per_event",
                violation_error_message=_("This person is already recorded at the event."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} · {self.person}"


class CascadeAssignment(models.Model):
    """A household in a yachachiq's plan. A household has one yachachiq at a time per
    programme; ending the assignment frees it."""

    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        related_name="cascade_assignments",
        verbose_name=_("programme"),
    )
    yachachiq = models.ForeignKey(
        "registry.Provider",
        on_delete=models.PROTECT,
        related_name="cascade_assignments",
        verbose_name=_("yachachiq"),
    )
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="cascade_assignments",
        verbose_name=_("household"),
    )
    assigned_on = models.DateField(_("assigned on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    scope = ScopeSpec(area="household__community__district__path", provider="yachachiq_id")

    class Meta:
        verbose_name = _("household in a yachachiq's plan")
        verbose_name_plural = _("households in yachachiq plans")
        ordering = ["yachachiq_id", "household_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "household"],
                condition=Q(ended_on__isnull=True),
                name="cascadeassignment_one_yachachiq_per_household",
                violation_error_message=_("This household already has a yachachiq."),
            ),
        ]
        indexes = [models.Index(fields=["yachachiq", "ended_on"], name="cascade_load_idx")]

    def __str__(self) -> str:
        return f"{self.yachachiq} · {self.household}"


class HouseholdVisit(models.Model):
    """A yachachiq's visit to a household of its plan, teaching a practice."""

    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        related_name="household_visits",
        verbose_name=_("programme"),
    )
    yachachiq = models.ForeignKey(
        "registry.Provider",
        on_delete=models.PROTECT,
        related_name="household_visits",
        verbose_name=_("yachachiq"),
    )
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="cascade_visits",
        verbose_name=_("household"),
    )
    visited_on = models.DateField(_("visited on"))
    practice = models.CharField(_("practice taught"), max_length=16, choices=Practice.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    scope = ScopeSpec(area="household__community__district__path", provider="yachachiq_id")

    class Meta:
        verbose_name = _("household visit")
        verbose_name_plural = _("household visits")
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["programme", "household"], name="visit_programme_household_idx")
        ]

    def __str__(self) -> str:
        return f"{self.visited_on} · {self.household} · {self.get_practice_display()}"


class VerificationMethod(models.TextChoices):
    VISIT = "visit", _("Seen at a later visit")
    CONTEST = "contest", _("Seen in a contest")


class PracticeAdoption(models.Model):
    """A practice a household has adopted, verified after it was taught: at a later visit or
    in a contest."""

    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        related_name="practice_adoptions",
        verbose_name=_("programme"),
    )
    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        related_name="practice_adoptions",
        verbose_name=_("household"),
    )
    practice = models.CharField(_("practice"), max_length=16, choices=Practice.choices)
    verified_on = models.DateField(_("verified on"))
    method = models.CharField(_("verified by"), max_length=8, choices=VerificationMethod.choices)
    visit = models.ForeignKey(
        HouseholdVisit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="verifications",
        verbose_name=_("verifying visit"),
    )
    evidence = models.CharField(_("evidence"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    scope = ScopeSpec(area="household__community__district__path", provider="visit__yachachiq_id")

    class Meta:
        verbose_name = _("practice adopted")
        verbose_name_plural = _("practices adopted")
        ordering = ["-verified_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "household", "practice"],
                name="adoption_once_per_practice",
                violation_error_message=_("This adoption is already recorded."),
            ),
            models.CheckConstraint(
                name="adoption_visit_method_has_visit",
                condition=~Q(method="visit") | Q(visit__isnull=False),
                violation_error_message=_("A verification at a visit names the visit."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.get_practice_display()}"
