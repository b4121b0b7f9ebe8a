"""Users, their roles in programmes, and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who logs in to Minka. What it may see comes from its role assignments."""

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Programme manager")
    OFFICER = "officer", _("Local-office officer")
    ORG_REP = "org_rep", _("Organization representative")
    JUROR = "juror", _("Juror")
    PROVIDER = "provider", _("Service provider")
    ME_OFFICER = "me_officer", _("M&E officer")
    AUDITOR = "auditor", _("Auditor")


# Roles that may change records inside their scope; every other role only reads.
WRITING_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.OFFICER})
# Roles whose scope is geographic, bound to a programme's or a local office's areas.
PROGRAMME_ROLES = frozenset({Role.MANAGER, Role.ME_OFFICER, Role.OFFICER, Role.JUROR})


class RoleAssignment(models.Model):
    """One role a user holds, with the programme, local office, organization or provider that
    bounds it. A user may hold several, in several programmes."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("programme"),
    )
    local_office = models.ForeignKey(
        "programmes.LocalOffice",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("local office"),
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("organization"),
    )
    provider = models.ForeignKey(
        "registry.Provider",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("provider"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user_id", "role"]
        constraints = [
            models.CheckConstraint(
                name="role_programme_bound",
                condition=~Q(role__in=["manager", "me_officer", "juror"])
                | Q(programme__isnull=False),
            ),
            models.CheckConstraint(
                name="role_officer_has_office",
                condition=~Q(role="officer")
                | Q(programme__isnull=False, local_office__isnull=False),
            ),
            models.CheckConstraint(
                name="role_org_rep_has_organization",
                condition=~Q(role="org_rep") | Q(organization__isnull=False),
            ),
            models.CheckConstraint(
                name="role_provider_has_provider",
                condition=~Q(role="provider") | Q(provider__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        bound = self.local_office or self.programme or self.organization or self.provider
        label = self.get_role_display()
        return f"{label} · {bound}" if bound else str(label)


class ApiToken(models.Model):
    """A bearer token for the API. Only a SHA-256 digest is stored; the key is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=8)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, *, user: User, name: str) -> tuple[ApiToken, str]:
        key = "mk_" + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, prefix=key[3:11], digest=cls.digest_of(key)
        )
        return token, key


class AuditEvent(models.Model):
    """One money movement or decision, chained to the previous event by its hash.

    `hash` = SHA-256 over the previous hash and this event's canonical content, so changing,
    removing or inserting any event breaks every later link; `minka verify` recomputes it.
    The database refuses updates and deletes (triggers)."""

    seq = models.BigIntegerField(_("sequence"), unique=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=40)
    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("programme"),
    )
    data = models.JSONField(_("data"), default=dict)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """A single row locked while appending, so concurrent writers extend the chain in turn."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"#{self.last_seq}"


class MaintenanceWindow(models.Model):
    """While a row exists, the append-only triggers allow deleting ledger and audit rows: only
    the demo reset opens one, inside its own transaction. Nothing ever allows changing a row."""

    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("maintenance window")

    def __str__(self) -> str:
        return self.reason


class FourEyesSignatures(models.Model):
    """Who prepared, approved and executed a payment, and when: the fields every funds-transfer
    authorisation shares (contract ATFs, savings and insurance batches, contest prizes). Each
    model adds its own CheckConstraint that the approver is not the preparer."""

    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("prepared by"),
    )
    prepared_at = models.DateTimeField(_("prepared at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("executed by"),
    )

    class Meta:
        abstract = True
