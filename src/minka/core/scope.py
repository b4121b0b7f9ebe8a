"""Who may see and change what: the single `restrict` helper every selector is built on.

A model opts in by declaring `scope = ScopeSpec(...)`, naming the lookups that tie one of its rows
to an administrative-area path, an organization, a provider or a programme. A user's assignments
(see `RoleAssignment`) turn into a `UserScope`, and `restrict` filters a queryset to the rows that
scope allows for the action. Anything a model does not declare is invisible to bounded roles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from django.db.models import Model, Q, QuerySet

from minka.core.models import WRITING_ROLES, Role

Action = Literal["view", "change"]
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class ScopeSpec:
    """Lookups from a model to what bounds it; each is optional."""

    area: str | None = None  # lookup to an AdminArea.path, e.g. "district__path"
    organization: str | None = None  # lookup to an Organization id
    provider: str | None = None  # lookup to a Provider id
    programme: str | None = None  # lookup to a Programme id
    # Reference data (gazetteer, financial institutions): every signed-in user reads it;
    # only all-changing roles (administrators) change it.
    reference: bool = False


@dataclass
class Grants:
    """What one action is allowed on: everything, or the union of these bounds."""

    everything: bool = False
    area_paths: set[str] = field(default_factory=set)
    organization_ids: set[int] = field(default_factory=set)
    provider_ids: set[int] = field(default_factory=set)
    programme_ids: set[int] = field(default_factory=set)


@dataclass
class UserScope:
    view: Grants
    change: Grants
    roles: set[str]

    def grants(self, action: Action) -> Grants:
        return self.view if action == "view" else self.change


def _prune(paths: set[str]) -> set[str]:
    """Drop paths already covered by a shorter prefix, so filters stay small."""
    kept: set[str] = set()
    for path in sorted(paths, key=len):
        if not any(path.startswith(p) for p in kept):
            kept.add(path)
    return kept


def user_scope(user: Any) -> UserScope:
    """Compute (once per user object) the grants of all the user's role assignments."""
    cached = getattr(user, "_minka_scope", None)
    if cached is not None:
        return cached
    view, change = Grants(), Grants()
    roles: set[str] = set()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        scope = UserScope(view=view, change=change, roles=roles)
        return scope
    if user.is_superuser:
        roles.add(Role.ADMIN)
    assignments = user.role_assignments.select_related(
        "programme", "local_office"
    ).prefetch_related("programme__coverage_areas", "local_office__areas")
    for assignment in assignments:
        role = assignment.role
        roles.add(role)
        targets = [view, change] if role in WRITING_ROLES else [view]
        if role in (Role.ADMIN,):
            for grants in targets:
                grants.everything = True
        elif role == Role.AUDITOR:
            view.everything = True
        elif role in (Role.MANAGER, Role.ME_OFFICER):
            paths = {a.path for a in assignment.programme.coverage_areas.all()}
            for grants in targets:
                grants.area_paths |= paths
                grants.programme_ids.add(assignment.programme_id)
        elif role == Role.OFFICER:
            # Officers change records in their office's areas; programme settings stay with
            # the manager, so the programme grant is for reading only.
            paths = {a.path for a in assignment.local_office.areas.all()}
            for grants in targets:
                grants.area_paths |= paths
            view.programme_ids.add(assignment.programme_id)
        elif role == Role.JUROR:
            # A juror reads only the CLARs and contests whose jury it sits on (checked by those
            # apps); nothing of the programme's registry or books.
            pass
        elif role == Role.ORG_REP:
            view.organization_ids.add(assignment.organization_id)
        elif role == Role.PROVIDER:
            view.provider_ids.add(assignment.provider_id)
    if user.is_superuser:
        view.everything = change.everything = True
    for grants in (view, change):
        grants.area_paths = _prune(grants.area_paths)
    scope = UserScope(view=view, change=change, roles=roles)
    user._minka_scope = scope
    return scope


def scope_q(spec: ScopeSpec, grants: Grants) -> tuple[Q | None, bool]:
    """The filter for `grants` on a model with `spec` (None: no row at all), and whether it
    crosses a to-many relation (and so may repeat rows)."""
    clauses: list[Q] = []
    crosses = False
    if spec.area and grants.area_paths:
        for path in sorted(grants.area_paths):
            clauses.append(Q(**{f"{spec.area}__startswith": path}))
    for lookup, ids in (
        (spec.organization, grants.organization_ids),
        (spec.provider, grants.provider_ids),
        (spec.programme, grants.programme_ids),
    ):
        if lookup and ids:
            clauses.append(Q(**{f"{lookup}__in": sorted(ids)}))
            crosses = crosses or not _is_local(lookup)
    if not clauses:
        return None, False
    combined = clauses[0]
    for clause in clauses[1:]:
        combined |= clause
    return combined, crosses


def _is_local(lookup: str | None) -> bool:
    return lookup is None or lookup == "pk" or ("__" not in lookup and lookup.endswith("_id"))


def restrict(queryset: QuerySet[M], user: Any, action: Action = "view") -> QuerySet[M]:
    """Filter `queryset` to the rows `user` may `action`. Models without a spec are admin-only."""
    grants = user_scope(user).grants(action)
    if grants.everything:
        return queryset
    spec: ScopeSpec | None = getattr(queryset.model, "scope", None)
    if spec is None:
        return queryset.none()
    if spec.reference:
        signed_in = getattr(user, "is_authenticated", False) and user.is_active
        return queryset if action == "view" and signed_in else queryset.none()
    condition, crosses = scope_q(spec, grants)
    if condition is None:
        return queryset.none()
    if crosses:
        # A lookup across a to-many relation can repeat rows; filtering on the ids keeps it flat.
        matching = queryset.model._default_manager.filter(condition).values("pk")
        return queryset.filter(pk__in=matching)
    return queryset.filter(condition)


def can(user: Any, action: Action, obj: Model) -> bool:
    """Whether `user` may `action` this one object (one indexed query)."""
    queryset = type(obj)._default_manager.filter(pk=obj.pk)
    return restrict(queryset, user, action).exists()


def has_role(user: Any, *roles: str) -> bool:
    scope = user_scope(user)
    return bool(scope.roles & set(roles)) or (Role.ADMIN in roles and user.is_superuser)


def may_create(user: Any, model: type[Model]) -> bool:
    """Whether the user could create some record of `model` inside its change scope."""
    grants = user_scope(user).change
    if grants.everything:
        return True
    spec: ScopeSpec | None = getattr(model, "scope", None)
    if spec is None or spec.reference:
        return False
    # A programme bound to itself (programme="pk") is new, so no programme grant can cover it.
    programme_bound = spec.programme not in (None, "pk") and grants.programme_ids
    return bool((spec.area and grants.area_paths) or programme_bound)
