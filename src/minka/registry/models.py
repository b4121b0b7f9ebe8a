"""The registry: communities, households, persons, organizations with their boards and members,
service providers, financial institutions and organizations' bank accounts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from minka.core.money import CURRENCY_CHOICES
from minka.core.scope import ScopeSpec
from minka.core.validators import validate_dni, validate_ruc


class Community(models.Model):
    """A peasant community (comunidad campesina) or other settlement."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=150, db_index=True)
    district = models.ForeignKey(
        "geo.AdminArea",
        on_delete=models.PROTECT,
        related_name="communities",
        verbose_name=_("district"),
        limit_choices_to={"level": 3},
    )
    territories = models.ManyToManyField(
        "geo.Territory", blank=True, related_name="communities", verbose_name=_("territories")
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    altitude_m = models.IntegerField(_("altitude (m)"), null=True, blank=True)
    recognised_on = models.DateField(_("legally recognised on"), null=True, blank=True)
    history = HistoricalRecords()

    # An organization's representative sees its own community (not its households).
    scope = ScopeSpec(area="district__path", organization="organizations")

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name", "code"]
        constraints = [
            models.CheckConstraint(
                name="community_latitude_range",
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
            ),
            models.CheckConstraint(
                name="community_longitude_range",
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    """A household of a community; its members are persons."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="households", verbose_name=_("community")
    )
    sector = models.CharField(_("sector or annex"), max_length=100, blank=True)
    history = HistoricalRecords()

    scope = ScopeSpec(area="community__district__path")

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")


class Relationship(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse or partner")
    CHILD = "child", _("Son or daughter")
    PARENT = "parent", _("Father or mother")
    OTHER = "other", _("Other relative")


class Person(models.Model):
    """A person, identified by DNI where one is recorded. Never shown in public."""

    dni = models.CharField(_("DNI"), max_length=8, null=True, blank=True, validators=[validate_dni])
    first_names = models.CharField(_("first names"), max_length=100)
    paternal_surname = models.CharField(_("paternal surname"), max_length=60, db_index=True)
    maternal_surname = models.CharField(_("maternal surname"), max_length=60, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    household = models.ForeignKey(
        Household,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("household"),
    )
    relationship = models.CharField(
        _("relationship to the head"), max_length=10, choices=Relationship.choices, blank=True
    )
    district = models.ForeignKey(
        "geo.AdminArea",
        on_delete=models.PROTECT,
        related_name="residents",
        verbose_name=_("district of residence"),
        limit_choices_to={"level": 3},
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    history = HistoricalRecords()

    scope = ScopeSpec(area="district__path", organization="memberships__organization")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["paternal_surname", "maternal_surname", "first_names"]
        constraints = [
            models.UniqueConstraint(
                fields=["dni"],
                condition=Q(dni__isnull=False),
                name="person_unique_dni",
                violation_error_message=_("A person with this DNI is already registered."),
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relationship="head"),
                name="household_single_head",
                violation_error_message=_("This household already has a head."),
            ),
            models.CheckConstraint(
                name="person_dni_eight_digits",
                violation_error_message=_("The DNI must be exactly 8 digits."),
                condition=Q(dni__isnull=True) | Q(dni__regex=r"^[0-9]{8}$"),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(
            p for p in (self.first_names, self.paternal_surname, self.maternal_surname) if p
        )


class OrganizationKind(models.TextChoices):
    PEASANT_COMMUNITY = "community", _("Peasant community")
    FARMER_ORGANIZATION = "farmers", _("Farmer organization")
    WOMENS_GROUP = "women", _("Women's group")
    YOUTH_GROUP = "youth", _("Youth group")
    MICRO_ENTERPRISE = "enterprise", _("Micro-enterprise")
    ARTISANS = "artisans", _("Artisans' association")
    INTEREST_GROUP = "interest", _("Interest group (3-6 families)")
    MUNICIPALITY = "municipality", _("Municipality")


class Organization(models.Model):
    """A community organization that plans, competes, contracts and accounts for funds."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    kind = models.CharField(_("type"), max_length=20, choices=OrganizationKind.choices)
    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("community"),
    )
    district = models.ForeignKey(
        "geo.AdminArea",
        on_delete=models.PROTECT,
        related_name="organizations",
        verbose_name=_("district"),
        limit_choices_to={"level": 3},
    )
    ruc = models.CharField(
        _("RUC"), max_length=11, null=True, blank=True, validators=[validate_ruc]
    )
    registry_entry = models.CharField(
        _("public registry entry"), max_length=40, blank=True, help_text=_("SUNARP partida.")
    )
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    history = HistoricalRecords()

    scope = ScopeSpec(area="district__path", organization="pk")

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["ruc"],
                condition=Q(ruc__isnull=False),
                name="organization_unique_ruc",
                violation_error_message=_("An organization with this RUC is already registered."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_womens_group(self) -> bool:
        return self.kind == OrganizationKind.WOMENS_GROUP


class BoardRole(models.TextChoices):
    PRESIDENT = "president", _("President")
    TREASURER = "treasurer", _("Treasurer")
    SECRETARY = "secretary", _("Secretary")
    MEMBER = "member", _("Board member")


class BoardPosition(models.Model):
    """A seat on an organization's board for a term. An open term has no end date."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="board", verbose_name=_("organization")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="board_positions", verbose_name=_("person")
    )
    role = models.CharField(_("position"), max_length=12, choices=BoardRole.choices)
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"), null=True, blank=True)
    history = HistoricalRecords()

    scope = ScopeSpec(area="organization__district__path", organization="organization_id")

    class Meta:
        verbose_name = _("board position")
        verbose_name_plural = _("board positions")
        ordering = ["organization_id", "role", "-term_start"]
        constraints = [
            models.CheckConstraint(
                name="board_term_order",
                violation_error_message=_("The term cannot end before it starts."),
                condition=Q(term_end__isnull=True) | Q(term_end__gte=models.F("term_start")),
            ),
            models.UniqueConstraint(
                fields=["organization", "role"],
                condition=Q(term_end__isnull=True) & ~Q(role="member"),
                name="board_one_open_holder_per_role",
                violation_error_message=_(
                    "This position already has a holder with an open term; close that term first."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.person}"


class Membership(models.Model):
    """A person's membership of an organization."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organization"),
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("person")
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    history = HistoricalRecords()

    scope = ScopeSpec(area="organization__district__path", organization="organization_id")

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organization_id", "person_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "person"],
                name="membership_unique_person",
                violation_error_message=_("This person is already a member of the organization."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.organization}"


class ProviderKind(models.TextChoices):
    TECHNICIAN = "technician", _("Technician")
    FIRM = "firm", _("Firm")
    YACHAQ = "yachaq", _("Yachaq (expert farmer trainer)")
    YACHACHIQ = "yachachiq", _("Yachachiq (community para-technician)")
    ANIMATOR = "animator", _("Rural animator")


class Provider(models.Model):
    """Someone communities hire for technical assistance: a person (DNI) or a firm (RUC)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    kind = models.CharField(_("type"), max_length=12, choices=ProviderKind.choices)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provider_profiles",
        verbose_name=_("person"),
    )
    ruc = models.CharField(
        _("RUC"), max_length=11, null=True, blank=True, validators=[validate_ruc]
    )
    district = models.ForeignKey(
        "geo.AdminArea",
        on_delete=models.PROTECT,
        related_name="providers",
        verbose_name=_("district"),
        limit_choices_to={"level": 3},
    )
    profession = models.CharField(_("profession"), max_length=120, blank=True)
    skills = models.CharField(
        _("skills"),
        max_length=300,
        blank=True,
        help_text=_("Comma-separated, e.g. irrigation, dairy."),
    )
    history = HistoricalRecords()

    scope = ScopeSpec(area="district__path", provider="pk")

    class Meta:
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")
        ordering = ["name", "code"]
        constraints = [
            models.CheckConstraint(
                name="provider_firm_has_ruc",
                violation_error_message=_("A firm must have a RUC."),
                condition=~Q(kind="firm") | Q(ruc__isnull=False),
            ),
            models.CheckConstraint(
                name="provider_person_kind_has_person",
                violation_error_message=_(
                    "A technician, yachaq, yachachiq or animator must be linked to a "
                    "registered person (DNI)."
                ),
                condition=Q(kind="firm") | Q(person__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["ruc"],
                condition=Q(ruc__isnull=False),
                name="provider_unique_ruc",
                violation_error_message=_("A provider with this RUC is already registered."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def skill_list(self) -> list[str]:
        return [s.strip() for s in self.skills.split(",") if s.strip()]


class InstitutionKind(models.TextChoices):
    BANK = "bank", _("Bank")
    MUNICIPAL_FUND = "cmac", _("Municipal savings fund (CMAC)")
    RURAL_FUND = "crac", _("Rural savings fund (CRAC)")
    MICROFINANCE = "edpyme", _("Microfinance company (EDPYME)")
    COOPERATIVE = "coop", _("Savings and credit cooperative")
    INSURER = "insurer", _("Insurer")


class FinancialInstitution(models.Model):
    """A bank, savings institution or insurer. Money moves only to SBS-regulated ones."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    kind = models.CharField(_("type"), max_length=10, choices=InstitutionKind.choices)
    sbs_regulated = models.BooleanField(_("regulated by the SBS"), default=False)
    sbs_code = models.CharField(_("SBS code"), max_length=10, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    history = HistoricalRecords()

    scope = ScopeSpec(reference=True)

    class Meta:
        verbose_name = _("financial institution")
        verbose_name_plural = _("financial institutions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class AccountStatus(models.TextChoices):
    PENDING = "pending", _("Pending verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class BankAccount(models.Model):
    """An organization's account. Only a verified account at an SBS-regulated institution may
    receive programme money."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="bank_accounts",
        verbose_name=_("organization"),
    )
    institution = models.ForeignKey(
        FinancialInstitution,
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name=_("institution"),
    )
    number = models.CharField(_("account number"), max_length=30)
    cci = models.CharField(
        _("CCI"), max_length=20, blank=True, help_text=_("20-digit interbank account code.")
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="PEN"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AccountStatus.choices, default=AccountStatus.PENDING
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verification_note = models.CharField(_("verification note"), max_length=300, blank=True)
    history = HistoricalRecords()

    scope = ScopeSpec(area="organization__district__path", organization="organization_id")

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        ordering = ["organization_id", "institution_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "number"],
                name="bankaccount_unique_number",
                violation_error_message=_(
                    "This account number is already registered at this institution."
                ),
            ),
            models.CheckConstraint(
                name="bankaccount_verified_has_verifier",
                condition=~Q(status="verified")
                | Q(verified_by__isnull=False, verified_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} {self.number}"
