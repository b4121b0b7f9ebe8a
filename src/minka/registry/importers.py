"""Importing registry lists (communities, households, organizations) from CSV or XLSX files, and
exporting them in exactly the same column layout, so export -> edit in Excel -> import works.

An import runs in two phases. The plan reads every row, checks it against the file and the
registry (loaded in bulk by natural key, never one query per row) and records every error with
the row and column the user sees in the file. Only a plan without errors is applied, inside one
transaction: new rows are bulk-created with their history, changed rows are saved one by one so
django-simple-history records old -> new, unchanged rows are not touched. Re-importing the same
file therefore changes nothing.

Blank optional cells (and absent optional columns) keep what the registry holds: a partial file
never erases data it does not carry.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from minka.core.errors import DomainError
from minka.core.scope import restrict, user_scope
from minka.core.tabular import Table, TableRow, read_table, write_csv, write_xlsx
from minka.core.validators import is_valid_dni, is_valid_ruc
from minka.geo.models import AdminArea, AreaLevel
from minka.registry.models import (
    BoardPosition,
    BoardRole,
    Community,
    Household,
    Membership,
    Organization,
    OrganizationKind,
    Person,
    Relationship,
    Sex,
)

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=models.Model)
T = TypeVar("T")

KINDS = ("communities", "households", "organizations")
# UBIGEO codes are Peru's (INEI); other countries' gazetteers use their own import.
UBIGEO_COUNTRY = "PE"
# Values per `IN (...)` query: well below SQLite's and PostgreSQL's parameter limits.
CHUNK = 900


# --- the column specification -----------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of an import template. `aliases` are other (normalised) headers accepted for
    it, e.g. the Spanish ones; `code_width` zero-pads a code Excel stored as a number."""

    name: str
    required: bool
    description: str | Promise
    aliases: tuple[str, ...] = ()
    code_width: int | None = None


COLUMNS: dict[str, tuple[Column, ...]] = {
    "communities": (
        Column(
            "code",
            True,
            gettext_lazy("Community code, unique in the registry."),
            ("codigo", "codigo_comunidad", "community_code"),
        ),
        Column("name", True, gettext_lazy("Name of the community."), ("nombre", "comunidad")),
        Column(
            "district_ubigeo",
            True,
            gettext_lazy("INEI UBIGEO code of the district, 6 digits (e.g. 030201)."),
            ("ubigeo", "ubigeo_distrito", "distrito_ubigeo", "district"),
            code_width=6,
        ),
        Column("latitude", False, gettext_lazy("Latitude in decimal degrees."), ("latitud",)),
        Column("longitude", False, gettext_lazy("Longitude in decimal degrees."), ("longitud",)),
        Column(
            "altitude_m",
            False,
            gettext_lazy("Altitude in metres above sea level."),
            ("altitud", "altitud_m", "altitude"),
        ),
        Column(
            "recognised_on",
            False,
            gettext_lazy("Date of legal recognition. Date as YYYY-MM-DD or DD/MM/YYYY."),
            ("fecha_reconocimiento", "reconocida_el", "recognized_on"),
        ),
    ),
    "households": (
        Column(
            "household_code",
            True,
            gettext_lazy("Household code, unique in the registry; repeated on each member's row."),
            ("codigo_hogar", "hogar", "household"),
        ),
        Column(
            "community_code",
            True,
            gettext_lazy("Code of the household's community, already registered."),
            ("codigo_comunidad", "comunidad", "community"),
        ),
        Column("sector", False, gettext_lazy("Sector or annex of the community."), ("anexo",)),
        Column(
            "dni",
            False,
            gettext_lazy("The person's DNI, 8 digits. Persons without DNI are matched by name."),
            ("documento", "nro_dni", "numero_dni"),
            code_width=8,
        ),
        Column("first_names", True, gettext_lazy("First names."), ("nombres", "nombre")),
        Column(
            "paternal_surname",
            True,
            gettext_lazy("Paternal surname."),
            ("apellido_paterno", "ap_paterno"),
        ),
        Column(
            "maternal_surname",
            False,
            gettext_lazy("Maternal surname."),
            ("apellido_materno", "ap_materno"),
        ),
        Column(
            "sex",
            True,
            gettext_lazy("F or M (also Mujer/Hombre, Femenino/Masculino, female/male)."),
            ("sexo",),
        ),
        Column(
            "birth_date",
            False,
            gettext_lazy("Birth date. Date as YYYY-MM-DD or DD/MM/YYYY."),
            ("fecha_nacimiento", "fecha_de_nacimiento", "nacimiento"),
        ),
        Column(
            "relationship",
            True,
            gettext_lazy(
                "Relationship to the head: head, spouse, child, parent, other "
                "(or jefe, cónyuge, hijo, padre, otro). Exactly one head per household."
            ),
            ("parentesco", "relacion"),
        ),
        Column("phone", False, gettext_lazy("Phone number."), ("telefono", "celular")),
    ),
    "organizations": (
        Column(
            "organization_code",
            True,
            gettext_lazy("Organization code, unique in the registry; repeated on each row."),
            ("codigo_organizacion", "organization", "codigo"),
        ),
        Column(
            "organization_name",
            True,
            gettext_lazy("Name of the organization."),
            ("nombre_organizacion", "organizacion"),
        ),
        Column(
            "organization_type",
            True,
            gettext_lazy(
                "community, farmers, women, youth, enterprise, artisans, interest or "
                "municipality (or their names in Spanish or English)."
            ),
            ("tipo", "tipo_organizacion", "type"),
        ),
        Column(
            "community_code",
            False,
            gettext_lazy("Code of its community. Give this or the district UBIGEO."),
            ("codigo_comunidad", "comunidad", "community"),
        ),
        Column(
            "district_ubigeo",
            False,
            gettext_lazy("INEI UBIGEO of its district, 6 digits. Give this or the community code."),
            ("ubigeo", "ubigeo_distrito", "distrito_ubigeo", "district"),
            code_width=6,
        ),
        Column(
            "ruc",
            False,
            gettext_lazy("RUC, 11 digits with a valid check digit."),
            ("numero_ruc",),
            code_width=11,
        ),
        Column(
            "member_dni",
            False,
            gettext_lazy("DNI of the member, 8 digits: one row per member."),
            ("dni", "dni_socio", "dni_miembro"),
            code_width=8,
        ),
        Column(
            "member_first_names",
            False,
            gettext_lazy("Member's first names (needed when the DNI is not registered yet)."),
            ("nombres", "nombres_socio"),
        ),
        Column(
            "member_paternal_surname",
            False,
            gettext_lazy("Member's paternal surname (needed when the DNI is not registered yet)."),
            ("apellido_paterno",),
        ),
        Column(
            "member_maternal_surname",
            False,
            gettext_lazy("Member's maternal surname."),
            ("apellido_materno",),
        ),
        Column(
            "member_sex",
            False,
            gettext_lazy("Member's sex, F or M (needed when the DNI is not registered yet)."),
            ("sexo",),
        ),
        Column(
            "joined_on",
            False,
            gettext_lazy("Date the member joined. Date as YYYY-MM-DD or DD/MM/YYYY."),
            ("fecha_ingreso",),
        ),
        Column(
            "left_on",
            False,
            gettext_lazy("Date the member left. Date as YYYY-MM-DD or DD/MM/YYYY."),
            ("fecha_retiro", "fecha_salida"),
        ),
        Column(
            "board_position",
            False,
            gettext_lazy(
                "Position on the board: president, treasurer, secretary, member "
                "(or presidente, tesorero, secretario, vocal)."
            ),
            ("cargo", "cargo_directivo"),
        ),
        Column(
            "term_start",
            False,
            gettext_lazy("Start of the board term. Date as YYYY-MM-DD or DD/MM/YYYY."),
            ("inicio_mandato", "inicio_cargo"),
        ),
    ),
}


def columns_for(kind: str) -> tuple[Column, ...]:
    """The template of an import kind; `DomainError` for an unknown kind."""
    try:
        return COLUMNS[kind]
    except KeyError:
        raise DomainError(
            _("“%(kind)s” is not something that can be imported; choose one of: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(KINDS)},
            field="kind",
        ) from None


def export_columns(kind: str) -> list[tuple[str, str]]:
    """(key, header) pairs for `write_csv`/`write_xlsx`: headers are the import names, so an
    exported file imports back unchanged."""
    return [(c.name, c.name) for c in columns_for(kind)]


def import_template(kind: str, file_format: str = "xlsx") -> bytes:
    """An empty file with the header row of `kind`, for the "download template" link."""
    if file_format == "csv":
        return write_csv([], export_columns(kind))
    return write_xlsx([], export_columns(kind), kind)


def _code_columns(kind: str) -> dict[str, int]:
    widths: dict[str, int] = {}
    for column in columns_for(kind):
        if column.code_width:
            for name in (column.name, *column.aliases):
                widths[name] = column.code_width
    return widths


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """A problem in the file: `row` as the user sees it (header = 1), the column as written."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("row %(row)d, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ImportResult:
    """What an import did (or, in a dry run or with errors, what it would do). Counts are keyed
    by entity: communities, households, persons, organizations, memberships, board_positions.
    With errors, nothing was written and the counts are empty."""

    kind: str
    dry_run: bool
    created: dict[str, int]
    updated: dict[str, int]
    unchanged: dict[str, int]
    errors: list[RowError]
    rows: int = 0
    warnings: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run


# --- pure value parsers (raise ValueError with a translated message) --------------------------


def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation-free, single-spaced: how names and labels compare."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "").replace("'", ""))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


def _choice_lookup(
    choices: type[models.TextChoices], synonyms: dict[str, tuple[str, ...]]
) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, label in choices.choices:
        lookup[fold(value)] = value
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                lookup[fold(str(label))] = value
        for synonym in synonyms.get(value, ()):
            lookup[fold(synonym)] = value
    return lookup


@cache
def _sex_lookup() -> dict[str, str]:
    return _choice_lookup(
        Sex,
        {
            "F": ("mujer", "femenino", "female", "woman", "fem"),
            "M": ("hombre", "masculino", "male", "man", "varón", "masc"),
        },
    )


@cache
def _relationship_lookup() -> dict[str, str]:
    return _choice_lookup(
        Relationship,
        {
            "head": ("jefe", "jefa", "jefe de hogar", "jefa de hogar", "jefe del hogar", "titular"),
            "spouse": ("cónyuge", "esposo", "esposa", "pareja", "conviviente", "wife", "husband"),
            "child": ("hijo", "hija", "hijo/a", "son", "daughter"),
            "parent": ("padre", "madre", "father", "mother"),
            "other": ("otro", "otra", "otro familiar", "otro pariente", "pariente"),
        },
    )


@cache
def _kind_lookup() -> dict[str, str]:
    return _choice_lookup(
        OrganizationKind,
        {
            "community": ("comunidad", "comunidad campesina"),
            "farmers": (
                "organización de productores",
                "organización agraria",
                "asociación de productores",
                "productores",
            ),
            "women": ("grupo de mujeres", "organización de mujeres", "mujeres"),
            "youth": ("grupo de jóvenes", "organización juvenil", "jóvenes"),
            "enterprise": ("microempresa", "micro empresa", "empresa"),
            "artisans": ("artesanos", "asociación de artesanos"),
            "interest": ("grupo de interés",),
            "municipality": ("municipalidad", "municipio", "gobierno local"),
        },
    )


@cache
def _role_lookup() -> dict[str, str]:
    return _choice_lookup(
        BoardRole,
        {
            "president": ("presidente", "presidenta"),
            "treasurer": ("tesorero", "tesorera"),
            "secretary": ("secretario", "secretaria"),
            "member": ("vocal", "miembro de la junta", "directivo", "directiva"),
        },
    )


def _choose(value: str, lookup: dict[str, str], message: str) -> str:
    try:
        return lookup[fold(value)]
    except KeyError:
        raise ValueError(message) from None


def parse_sex(value: str) -> str:
    return _choose(
        value,
        _sex_lookup(),
        _("“%(value)s” is not a sex: write F or M (Mujer/Hombre, Femenino/Masculino).")
        % {"value": value},
    )


def parse_relationship(value: str) -> str:
    return _choose(
        value,
        _relationship_lookup(),
        _("“%(value)s” is not a relationship: write head, spouse, child, parent or other.")
        % {"value": value},
    )


def parse_organization_kind(value: str) -> str:
    return _choose(
        value,
        _kind_lookup(),
        _("“%(value)s” is not an organization type: write one of %(kinds)s.")
        % {"value": value, "kinds": ", ".join(OrganizationKind.values)},
    )


def parse_board_role(value: str) -> str:
    return _choose(
        value,
        _role_lookup(),
        _("“%(value)s” is not a board position: write president, treasurer, secretary or member.")
        % {"value": value},
    )


_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_date(value: str) -> dt.date:
    """YYYY-MM-DD or DD/MM/YYYY (the Peruvian way; never the US month-first order)."""
    iso, dmy = _ISO_DATE.match(value), _DMY_DATE.match(value)
    try:
        if iso:
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        if dmy:
            return dt.date(int(dmy[3]), int(dmy[2]), int(dmy[1]))
    except ValueError:
        pass
    raise ValueError(
        _("“%(value)s” is not a date: write YYYY-MM-DD or DD/MM/YYYY.") % {"value": value}
    )


def parse_birth_date(value: str) -> dt.date:
    date = parse_date(value)
    if date > timezone.localdate():
        raise ValueError(_("The birth date %(date)s is in the future.") % {"date": date})
    if date.year < 1900:
        raise ValueError(_("The birth date %(date)s is before 1900.") % {"date": date})
    return date


def parse_dni(value: str) -> str:
    if is_valid_dni(value):
        return value
    if value.isascii() and value.isdigit() and len(value) < 8:
        raise ValueError(
            _(
                "“%(value)s” is not a valid DNI: it must be exactly 8 digits. If Excel dropped "
                "a leading zero, format the column as text."
            )
            % {"value": value}
        )
    raise ValueError(
        _("“%(value)s” is not a valid DNI: it must be exactly 8 digits.") % {"value": value}
    )


def parse_ruc(value: str) -> str:
    if not is_valid_ruc(value):
        raise ValueError(
            _("“%(value)s” is not a valid RUC: 11 digits with a correct check digit.")
            % {"value": value}
        )
    return value


def parse_ubigeo_district(value: str) -> str:
    if value.isascii() and value.isdigit() and len(value) == 5:
        raise ValueError(
            _(
                "“%(value)s” is not a district UBIGEO code: it must be 6 digits. If Excel "
                "dropped a leading zero, format the column as text."
            )
            % {"value": value}
        )
    if not (len(value) == 6 and value.isascii() and value.isdigit()):
        raise ValueError(
            _("“%(value)s” is not a district UBIGEO code: it must be 6 digits.") % {"value": value}
        )
    return value


def _parse_number(value: str) -> float:
    text = value.replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # decimal comma, as Spanish-locale spreadsheets write
    try:
        number = float(text)
    except ValueError:
        raise ValueError(_("“%(value)s” is not a number.") % {"value": value}) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(_("“%(value)s” is not a number.") % {"value": value})
    return number


def parse_latitude(value: str) -> float:
    number = _parse_number(value)
    if not -90 <= number <= 90:
        raise ValueError(_("A latitude must be between -90 and 90."))
    return number


def parse_longitude(value: str) -> float:
    number = _parse_number(value)
    if not -180 <= number <= 180:
        raise ValueError(_("A longitude must be between -180 and 180."))
    return number


def parse_altitude(value: str) -> int:
    number = _parse_number(value)
    if number != int(number) or not -500 <= number <= 7000:
        raise ValueError(_("An altitude must be whole metres between -500 and 7000."))
    return int(number)


# --- shared machinery -------------------------------------------------------------------------


def _in_chunks(queryset: QuerySet[M], lookup: str, values: Iterable[Any]) -> list[M]:
    """`queryset.filter(<lookup>__in=values)` in chunks, so a 100,000-row file stays within the
    database's parameter limits."""
    ordered = sorted(set(values))
    found: list[M] = []
    for start in range(0, len(ordered), CHUNK):
        found.extend(queryset.filter(**{f"{lookup}__in": ordered[start : start + CHUNK]}))
    return found


def _max_length(model: type[models.Model], name: str) -> int:
    length = getattr(model._meta.get_field(name), "max_length", None)
    assert isinstance(length, int)
    return length


def _differs(one: str, other: str) -> bool:
    """Two names differ when both are given and differ beyond case and accents; a name missing
    on either side is no conflict (many lists omit the maternal surname)."""
    return bool(one and other) and fold(one) != fold(other)


def _names_conflict(person: Person, first: str, paternal: str, maternal: str) -> bool:
    """Whether the given names belong to someone other than `person`."""
    return (
        _differs(first, person.first_names)
        or _differs(paternal, person.paternal_surname)
        or _differs(maternal, person.maternal_surname)
    )


def _assign(obj: models.Model, values: dict[str, Any]) -> bool:
    """Set the values that differ, skipping None (a blank cell keeps what is recorded)."""
    changed = False
    for name, value in values.items():
        if value is None:
            continue
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


class _Importer:
    """Shared state of one import: the column mapping, errors, counts and the history user."""

    kind = ""

    def __init__(self, table: Table, *, user: Any, source: str) -> None:
        self.table = table
        self.user = user
        self.source = source
        self.columns = {c.name: c for c in COLUMNS[self.kind]}
        self.errors: list[RowError] = []
        self.warnings: list[RowError] = []
        self.created: Counter[str] = Counter()
        self.updated: Counter[str] = Counter()
        self.unchanged: Counter[str] = Counter()
        self.source_of: dict[str, str] = {}  # column name -> normalised header in the table
        self.header_of: dict[str, str] = {}  # column name -> header as written in the file

    # columns and cells

    def map_columns(self) -> bool:
        """Match the file's headers to the template; report unknown and missing columns."""
        names: dict[str, str] = {}
        for column in self.columns.values():
            for alias in (column.name, *column.aliases):
                names.setdefault(alias, column.name)
        for header in self.table.columns:
            written = self.table.headers[header]
            name = names.get(header)
            if name is None:
                self.warnings.append(
                    RowError(1, written, _("This column is not part of the template; ignored."))
                )
            elif name in self.source_of:
                self.errors.append(
                    RowError(
                        1,
                        written,
                        _("This column means the same as “%(other)s”; keep only one.")
                        % {"other": self.header_of[name]},
                    )
                )
            else:
                self.source_of[name] = header
                self.header_of[name] = written
        for column in self.columns.values():
            if column.required and column.name not in self.source_of:
                self.errors.append(
                    RowError(
                        1,
                        column.name,
                        _("The required column “%(column)s” is missing.") % {"column": column.name},
                    )
                )
        return not self.errors

    def has(self, name: str) -> bool:
        return name in self.source_of

    def error(self, row: TableRow | int, name: str, message: str) -> None:
        number = row.number if isinstance(row, TableRow) else row
        self.errors.append(RowError(number, self.header_of.get(name, name), message))

    def text(self, row: TableRow, name: str, max_length: int | None = None) -> str:
        header = self.source_of.get(name)
        value = row.get(header) if header else ""
        if not value and self.columns[name].required:
            self.error(row, name, _("A value is required."))
        if max_length and len(value) > max_length:
            self.error(
                row,
                name,
                _("At most %(limit)d characters (this has %(length)d).")
                % {"limit": max_length, "length": len(value)},
            )
            return ""
        return value

    def parse(self, row: TableRow, name: str, parser: Callable[[str], T]) -> T | None:
        value = self.text(row, name)
        if not value:
            return None
        try:
            return parser(value)
        except ValueError as exc:
            self.error(row, name, str(exc))
            return None

    # scope

    def district_allowed(self, district: AdminArea) -> bool:
        """Whether the user may change records in `district`. Without a user (a trusted
        operator at the console) everything is allowed."""
        if self.user is None:
            return True
        grants = user_scope(self.user).change
        if grants.everything:
            return True
        return any(district.path.startswith(path) for path in grants.area_paths)

    def changeable(self, model: type[M], ids: Iterable[int]) -> set[int]:
        """The ids among `ids` that the user may change, through the one `restrict` helper."""
        wanted = set(ids)
        if self.user is None or not wanted:
            return wanted
        allowed: set[int] = set()
        ordered = sorted(wanted)
        for start in range(0, len(ordered), CHUNK):
            queryset = model._default_manager.filter(pk__in=ordered[start : start + CHUNK])
            allowed.update(restrict(queryset, self.user, "change").values_list("pk", flat=True))
        return allowed

    # lookups shared by kinds

    def load_districts(self, codes: Iterable[str]) -> dict[str, AdminArea]:
        queryset = AdminArea.objects.filter(country=UBIGEO_COUNTRY, level=AreaLevel.DISTRICT)
        return {a.code: a for a in _in_chunks(queryset, "code", codes)}

    def load_communities(self, codes: Iterable[str]) -> dict[str, Community]:
        queryset = Community.objects.select_related("district")
        return {c.code: c for c in _in_chunks(queryset, "code", codes)}

    # writing

    @property
    def history_user(self) -> Any:
        return self.user if getattr(self.user, "pk", None) else None

    @property
    def change_reason(self) -> str:
        return (_("Imported from %(file)s") % {"file": self.source})[:100]

    def create(self, model: type[M], objects: list[M]) -> None:
        if objects:
            bulk_create_with_history(
                objects,
                model,
                batch_size=500,
                default_user=self.history_user,
                default_change_reason=self.change_reason,
            )

    def save(self, obj: models.Model) -> None:
        obj._history_user = self.history_user  # type: ignore[attr-defined]
        obj._change_reason = self.change_reason  # type: ignore[attr-defined]
        obj.save()

    def result(self, *, dry_run: bool) -> ImportResult:
        ok = not self.errors
        return ImportResult(
            kind=self.kind,
            dry_run=dry_run,
            created=dict(self.created) if ok else {},
            updated=dict(self.updated) if ok else {},
            unchanged=dict(self.unchanged) if ok else {},
            errors=sorted(self.errors, key=lambda e: e.row),
            rows=len(self.table.rows),
            warnings=self.warnings,
        )

    def plan(self) -> None:
        raise NotImplementedError

    def apply(self) -> None:
        raise NotImplementedError


# --- communities ------------------------------------------------------------------------------


@dataclass
class _CommunityRow:
    row: TableRow
    code: str
    name: str
    ubigeo: str | None
    latitude: float | None
    longitude: float | None
    altitude_m: int | None
    recognised_on: dt.date | None


class _CommunityImporter(_Importer):
    kind = "communities"

    def plan(self) -> None:
        if not self.map_columns():
            return
        rows: list[_CommunityRow] = []
        first_row: dict[str, int] = {}
        for row in self.table.rows:
            parsed = _CommunityRow(
                row=row,
                code=self.text(row, "code", _max_length(Community, "code")),
                name=self.text(row, "name", _max_length(Community, "name")),
                ubigeo=self.parse(row, "district_ubigeo", parse_ubigeo_district),
                latitude=self.parse(row, "latitude", parse_latitude),
                longitude=self.parse(row, "longitude", parse_longitude),
                altitude_m=self.parse(row, "altitude_m", parse_altitude),
                recognised_on=self.parse(row, "recognised_on", parse_date),
            )
            if parsed.code in first_row:
                self.error(
                    row,
                    "code",
                    _("The community code %(code)s is already in row %(row)d.")
                    % {"code": parsed.code, "row": first_row[parsed.code]},
                )
                continue
            if parsed.code:
                first_row[parsed.code] = row.number
            rows.append(parsed)

        districts = self.load_districts(r.ubigeo for r in rows if r.ubigeo)
        existing = self.load_communities(r.code for r in rows if r.code)
        self.to_create: list[Community] = []
        self.to_update: list[Community] = []
        changeable = self.changeable(Community, [c.pk for c in existing.values()])
        for parsed in rows:
            district = districts.get(parsed.ubigeo) if parsed.ubigeo else None
            if parsed.ubigeo and district is None:
                self.error(
                    parsed.row,
                    "district_ubigeo",
                    _("There is no district with UBIGEO code %(code)s.") % {"code": parsed.ubigeo},
                )
            if district is not None and not self.district_allowed(district):
                self.error(
                    parsed.row,
                    "district_ubigeo",
                    _("The district %(district)s is outside the area you may change.")
                    % {"district": district},
                )
                district = None
            community = existing.get(parsed.code)
            if community is not None and community.pk not in changeable:
                self.error(
                    parsed.row,
                    "code",
                    _("The community %(code)s is registered in a district outside your area.")
                    % {"code": parsed.code},
                )
                continue
            if district is None or not parsed.code or not parsed.name:
                continue
            values = {
                "name": parsed.name,
                "district_id": district.pk,
                "latitude": parsed.latitude,
                "longitude": parsed.longitude,
                "altitude_m": parsed.altitude_m,
                "recognised_on": parsed.recognised_on,
            }
            if community is None:
                self.to_create.append(Community(code=parsed.code, **values))
                self.created["communities"] += 1
            elif _assign(community, values):
                self.to_update.append(community)
                self.updated["communities"] += 1
            else:
                self.unchanged["communities"] += 1

    def apply(self) -> None:
        self.create(Community, self.to_create)
        for community in self.to_update:
            self.save(community)


# --- households -------------------------------------------------------------------------------


@dataclass
class _MemberRow:
    row: TableRow
    household_code: str
    dni: str | None
    first_names: str
    paternal_surname: str
    maternal_surname: str
    sex: str | None
    birth_date: dt.date | None
    relationship: str | None
    phone: str

    @property
    def name_key(self) -> tuple[str, str, str, str]:
        return (
            self.household_code,
            fold(self.first_names),
            fold(self.paternal_surname),
            fold(self.maternal_surname),
        )


@dataclass
class _HouseholdInfo:
    code: str
    first_row: TableRow
    community_code: str
    sector: str
    members: list[_MemberRow] = field(default_factory=list)


def _person_name_key(person: Person, household_code: str) -> tuple[str, str, str, str]:
    return (
        household_code,
        fold(person.first_names),
        fold(person.paternal_surname),
        fold(person.maternal_surname),
    )


class _HouseholdImporter(_Importer):
    kind = "households"

    def parse_rows(self) -> dict[str, _HouseholdInfo]:
        households: dict[str, _HouseholdInfo] = {}
        dni_rows: dict[str, _MemberRow] = {}
        name_rows: dict[tuple[str, str, str, str], _MemberRow] = {}
        for row in self.table.rows:
            code = self.text(row, "household_code", _max_length(Household, "code"))
            community_code = self.text(row, "community_code")
            sector = self.text(row, "sector", _max_length(Household, "sector"))
            member = _MemberRow(
                row=row,
                household_code=code,
                dni=self.parse(row, "dni", parse_dni),
                first_names=self.text(row, "first_names", _max_length(Person, "first_names")),
                paternal_surname=self.text(
                    row, "paternal_surname", _max_length(Person, "paternal_surname")
                ),
                maternal_surname=self.text(
                    row, "maternal_surname", _max_length(Person, "maternal_surname")
                ),
                sex=self.parse(row, "sex", parse_sex),
                birth_date=self.parse(row, "birth_date", parse_birth_date),
                relationship=self.parse(row, "relationship", parse_relationship),
                phone=self.text(row, "phone", _max_length(Person, "phone")),
            )
            if not code:
                continue
            info = households.get(code)
            if info is None:
                info = households[code] = _HouseholdInfo(code, row, community_code, sector)
            else:
                if community_code and community_code != info.community_code:
                    self.error(
                        row,
                        "community_code",
                        _("Household %(code)s is in community %(other)s in row %(row)d.")
                        % {
                            "code": code,
                            "other": info.community_code,
                            "row": info.first_row.number,
                        },
                    )
                if sector and info.sector and sector != info.sector:
                    self.error(
                        row,
                        "sector",
                        _("Household %(code)s has sector “%(other)s” in row %(row)d.")
                        % {"code": code, "other": info.sector, "row": info.first_row.number},
                    )
                info.sector = info.sector or sector
            # One person, one household: a DNI or a name listed twice is an error either way.
            if member.dni:
                previous = dni_rows.get(member.dni)
                if previous is not None:
                    self.error(row, "dni", self._repeated_dni_message(member, previous))
                    continue
                dni_rows[member.dni] = member
            elif member.first_names and member.paternal_surname:
                previous = name_rows.get(member.name_key)
                if previous is not None:
                    self.error(
                        row,
                        "first_names",
                        _(
                            "This person is already listed in row %(row)d of household %(code)s; "
                            "give each person their DNI if they are two people."
                        )
                        % {"row": previous.row.number, "code": code},
                    )
                    continue
                name_rows[member.name_key] = member
            info.members.append(member)
        return households

    def _repeated_dni_message(self, member: _MemberRow, previous: _MemberRow) -> str:
        if fold(member.first_names) != fold(previous.first_names) or fold(
            member.paternal_surname
        ) != fold(previous.paternal_surname):
            return _("DNI %(dni)s is given to a different person in row %(row)d.") % {
                "dni": member.dni,
                "row": previous.row.number,
            }
        return _(
            "The person with DNI %(dni)s is already listed in row %(row)d; a person belongs to "
            "one household."
        ) % {"dni": member.dni, "row": previous.row.number}

    def plan(self) -> None:
        if not self.map_columns():
            return
        households = self.parse_rows()
        members = [m for info in households.values() for m in info.members]

        communities = self.load_communities(
            info.community_code for info in households.values() if info.community_code
        )
        existing_households = {
            h.code: h
            for h in _in_chunks(
                Household.objects.select_related("community__district"), "code", households
            )
        }
        by_dni = {
            p.dni: p
            for p in _in_chunks(
                Person.objects.select_related("household"),
                "dni",
                (m.dni for m in members if m.dni),
            )
        }
        household_ids = [h.pk for h in existing_households.values()]
        by_name: dict[tuple[str, str, str, str], Person] = {}
        heads: dict[int, list[Person]] = defaultdict(list)
        code_of = {h.pk: h.code for h in existing_households.values()}
        for resident in _in_chunks(
            Person.objects.filter(dni__isnull=True) | Person.objects.filter(relationship="head"),
            "household_id",
            household_ids,
        ):
            assert resident.household_id is not None
            if resident.dni is None:
                by_name[_person_name_key(resident, code_of[resident.household_id])] = resident
            if resident.relationship == Relationship.HEAD:
                heads[resident.household_id].append(resident)

        changeable_communities = self.changeable(
            Community,
            [c.pk for c in communities.values()]
            + [h.community_id for h in existing_households.values()],
        )

        # Match every row to the registry first: heads can only be checked once we know who
        # in the registry is being moved or re-ranked by this file.
        matched: dict[int, Person] = {}  # row number -> registered person
        claimed: set[int] = set()
        for member in members:
            person: Person | None
            if member.dni:
                person = by_dni.get(member.dni)
                if person is None:
                    # A person registered without DNI whose DNI this file now gives.
                    candidate = by_name.get(member.name_key)
                    person = candidate if candidate and candidate.pk not in claimed else None
                if person is not None and _names_conflict(
                    person, member.first_names, member.paternal_surname, member.maternal_surname
                ):
                    # The registered names are not shown: the user may not be allowed to see them.
                    self.error(
                        member.row,
                        "dni",
                        _("DNI %(dni)s is already registered to a person with other names.")
                        % {"dni": member.dni},
                    )
                    continue
            else:
                person = by_name.get(member.name_key)
            if person is not None and person.pk not in claimed:
                matched[member.row.number] = person
                claimed.add(person.pk)
        in_file = {p.pk for p in matched.values()}
        changeable_persons = self.changeable(Person, in_file)

        self.new_households: list[Household] = []
        self.changed_households: list[Household] = []
        self.new_persons: list[Person] = []
        self.changed_persons: list[Person] = []
        self.vacating: list[int] = []
        for info in households.values():
            household = self._plan_household(
                info, communities, existing_households, changeable_communities
            )
            file_heads = [m for m in info.members if m.relationship == Relationship.HEAD]
            for extra in file_heads[1:]:
                self.error(
                    extra.row,
                    "relationship",
                    _("Household %(code)s has two heads: rows %(first)d and %(row)d.")
                    % {
                        "code": info.code,
                        "first": file_heads[0].row.number,
                        "row": extra.row.number,
                    },
                )
            existing = existing_households.get(info.code)
            staying_heads = (
                [p for p in heads.get(existing.pk, []) if p.pk not in in_file] if existing else []
            )
            if file_heads and staying_heads:
                self.error(
                    file_heads[0].row,
                    "relationship",
                    _(
                        "Household %(code)s already has another head in the registry, who is not "
                        "in this file."
                    )
                    % {"code": info.code},
                )
            elif not file_heads and not staying_heads:
                self.error(
                    info.first_row,
                    "relationship",
                    _("Household %(code)s has no head: mark one person as head.")
                    % {"code": info.code},
                )
            if household is None:
                continue  # the reason is reported by _plan_household
            community = communities[info.community_code]
            for member in info.members:
                self._plan_person(
                    member, household, community, matched.get(member.row.number), changeable_persons
                )

    def _plan_household(
        self,
        info: _HouseholdInfo,
        communities: dict[str, Community],
        existing: dict[str, Household],
        changeable: set[int],
    ) -> Household | None:
        community = communities.get(info.community_code)
        if community is None:
            if info.community_code:
                self.error(
                    info.first_row,
                    "community_code",
                    _("There is no community with code %(code)s.") % {"code": info.community_code},
                )
            return None
        household = existing.get(info.code)
        if community.pk not in changeable:
            self.error(
                info.first_row,
                "community_code",
                _("The community %(code)s is outside the area you may change.")
                % {"code": community.code},
            )
            return None
        if household is not None and household.community_id not in changeable:
            self.error(
                info.first_row,
                "household_code",
                _("Household %(code)s is registered in a community outside your area.")
                % {"code": info.code},
            )
            return None
        values = {"community_id": community.pk, "sector": info.sector or None}
        if household is None:
            household = Household(code=info.code, community=community, sector=info.sector)
            self.new_households.append(household)
            self.created["households"] += 1
        elif _assign(household, values):
            self.changed_households.append(household)
            self.updated["households"] += 1
        else:
            self.unchanged["households"] += 1
        return household

    def _plan_person(
        self,
        member: _MemberRow,
        household: Household,
        community: Community,
        person: Person | None,
        changeable: set[int],
    ) -> None:
        if member.sex is None or member.relationship is None:
            return  # already reported
        if not member.first_names or not member.paternal_surname:
            return
        if person is None:
            self.new_persons.append(
                Person(
                    dni=member.dni,
                    first_names=member.first_names,
                    paternal_surname=member.paternal_surname,
                    maternal_surname=member.maternal_surname,
                    sex=member.sex,
                    birth_date=member.birth_date,
                    household=household,
                    relationship=member.relationship,
                    district_id=community.district_id,
                    phone=member.phone,
                )
            )
            self.created["persons"] += 1
            return
        was_head_of = person.household_id if person.relationship == Relationship.HEAD else None
        values: dict[str, Any] = {
            "dni": member.dni,
            "first_names": member.first_names,
            "paternal_surname": member.paternal_surname,
            "maternal_surname": member.maternal_surname or None,
            "sex": member.sex,
            "birth_date": member.birth_date,
            "relationship": member.relationship,
            "district_id": community.district_id,
            "phone": member.phone or None,
        }
        if household.pk is None:
            moved = True
        else:
            values["household_id"] = household.pk
            moved = False
        if not _assign(person, values) and not moved:
            self.unchanged["persons"] += 1
            return
        if person.pk not in changeable:
            self.error(
                member.row,
                "dni" if member.dni else "first_names",
                _("This person is registered outside the area you may change."),
            )
            return
        if moved:
            person.household = household
        if was_head_of is not None and (
            person.relationship != Relationship.HEAD or person.household_id != was_head_of
        ):
            self.vacating.append(person.pk)
        self.changed_persons.append(person)
        self.updated["persons"] += 1

    def apply(self) -> None:
        self.create(Household, self.new_households)
        for household in self.changed_households:
            self.save(household)
        # Heads leaving their seat free it first, so the one-head-per-household constraint holds
        # at every statement. A queryset update leaves no history; the save below records the
        # real old -> new change.
        if self.vacating:
            Person.objects.filter(pk__in=self.vacating).update(relationship=Relationship.OTHER)
        # Rows pointing at objects created above pick up their new ids in save()/bulk_create().
        for person in self.changed_persons:
            self.save(person)
        self.create(Person, self.new_persons)


# --- organizations ----------------------------------------------------------------------------


@dataclass
class _OrgRow:
    row: TableRow
    code: str
    name: str
    kind: str | None
    community_code: str
    ubigeo: str | None
    ruc: str | None
    dni: str | None
    first_names: str
    paternal_surname: str
    maternal_surname: str
    sex: str | None
    joined_on: dt.date | None
    left_on: dt.date | None
    role: str | None
    term_start: dt.date | None


@dataclass
class _OrgInfo:
    code: str
    first_row: TableRow
    name: str
    kind: str | None
    community_code: str
    ubigeo: str | None
    ruc: str | None
    members: list[_OrgRow] = field(default_factory=list)


@dataclass
class _PersonInfo:
    """What the file says about one DNI, merged over every row where it appears."""

    dni: str
    first_row: _OrgRow
    first_names: str = ""
    paternal_surname: str = ""
    maternal_surname: str = ""
    sex: str | None = None
    district_id: int | None = None


class _OrganizationImporter(_Importer):
    kind = "organizations"

    def map_columns(self) -> bool:
        if not super().map_columns():
            return False
        if not (self.has("community_code") or self.has("district_ubigeo")):
            self.errors.append(
                RowError(
                    1,
                    "district_ubigeo",
                    _("Give a column community_code or district_ubigeo (or both)."),
                )
            )
        return not self.errors

    def parse_row(self, row: TableRow) -> _OrgRow:
        parsed = _OrgRow(
            row=row,
            code=self.text(row, "organization_code", _max_length(Organization, "code")),
            name=self.text(row, "organization_name", _max_length(Organization, "name")),
            kind=self.parse(row, "organization_type", parse_organization_kind),
            community_code=self.text(row, "community_code"),
            ubigeo=self.parse(row, "district_ubigeo", parse_ubigeo_district),
            ruc=self.parse(row, "ruc", parse_ruc),
            dni=self.parse(row, "member_dni", parse_dni),
            first_names=self.text(row, "member_first_names", _max_length(Person, "first_names")),
            paternal_surname=self.text(
                row, "member_paternal_surname", _max_length(Person, "paternal_surname")
            ),
            maternal_surname=self.text(
                row, "member_maternal_surname", _max_length(Person, "maternal_surname")
            ),
            sex=self.parse(row, "member_sex", parse_sex),
            joined_on=self.parse(row, "joined_on", parse_date),
            left_on=self.parse(row, "left_on", parse_date),
            role=self.parse(row, "board_position", parse_board_role),
            term_start=self.parse(row, "term_start", parse_date),
        )
        if not parsed.community_code and not self.text(row, "district_ubigeo"):
            self.error(
                row, "district_ubigeo", _("Give the community code or the district UBIGEO code.")
            )
        if parsed.joined_on and parsed.left_on and parsed.left_on < parsed.joined_on:
            self.error(row, "left_on", _("The member cannot leave before joining."))
        member_given = any(
            self.text(row, name)
            for name in ("member_first_names", "member_paternal_surname", "member_sex", "joined_on")
        )
        if not self.text(row, "member_dni") and (member_given or parsed.role):
            self.error(row, "member_dni", _("A member is identified by DNI: give it."))
        if parsed.role and not parsed.term_start and not self.text(row, "term_start"):
            self.error(row, "term_start", _("Give the start of the board term."))
        if parsed.term_start and not parsed.role and not self.text(row, "board_position"):
            self.error(row, "board_position", _("A term start needs a board position."))
        return parsed

    def group(self, rows: list[_OrgRow]) -> dict[str, _OrgInfo]:
        organizations: dict[str, _OrgInfo] = {}
        for parsed in rows:
            if not parsed.code:
                continue
            info = organizations.get(parsed.code)
            if info is None:
                organizations[parsed.code] = _OrgInfo(
                    code=parsed.code,
                    first_row=parsed.row,
                    name=parsed.name,
                    kind=parsed.kind,
                    community_code=parsed.community_code,
                    ubigeo=parsed.ubigeo,
                    ruc=parsed.ruc,
                    members=[parsed],
                )
                continue
            info.members.append(parsed)
            # The organization's columns repeat on each member's row; a blank repeats nothing.
            for name, attr in (
                ("organization_name", "name"),
                ("organization_type", "kind"),
                ("community_code", "community_code"),
                ("district_ubigeo", "ubigeo"),
                ("ruc", "ruc"),
            ):
                mine, theirs = getattr(parsed, attr), getattr(info, attr)
                if mine and theirs and mine != theirs:
                    self.error(
                        parsed.row,
                        name,
                        _("Organization %(code)s has “%(other)s” here in row %(row)d.")
                        % {"code": parsed.code, "other": theirs, "row": info.first_row.number},
                    )
                elif mine and not theirs:
                    setattr(info, attr, mine)
        return organizations

    def plan(self) -> None:
        if not self.map_columns():
            return
        organizations = self.group([self.parse_row(row) for row in self.table.rows])
        members = [m for info in organizations.values() for m in info.members if m.dni]

        communities = self.load_communities(
            i.community_code for i in organizations.values() if i.community_code
        )
        districts = self.load_districts(i.ubigeo for i in organizations.values() if i.ubigeo)
        existing = {
            o.code: o
            for o in _in_chunks(
                Organization.objects.select_related("district", "community"),
                "code",
                organizations,
            )
        }
        self.changeable_organizations = self.changeable(
            Organization, [o.pk for o in existing.values()]
        )
        ruc_owners = {
            o.ruc: o.code
            for o in _in_chunks(
                Organization.objects.only("code", "ruc"),
                "ruc",
                (i.ruc for i in organizations.values() if i.ruc),
            )
        }
        by_dni = {
            p.dni: p for p in _in_chunks(Person.objects.all(), "dni", (m.dni for m in members))
        }
        org_ids = [o.pk for o in existing.values()]
        memberships = {
            (m.organization_id, m.person_id): m
            for m in _in_chunks(Membership.objects.all(), "organization_id", org_ids)
        }
        open_positions: dict[tuple[int, str], list[BoardPosition]] = defaultdict(list)
        for position in _in_chunks(
            BoardPosition.objects.filter(term_end__isnull=True), "organization_id", org_ids
        ):
            open_positions[(position.organization_id, position.role)].append(position)

        self.new_organizations: list[Organization] = []
        self.changed_organizations: list[Organization] = []
        self.new_persons: dict[str, Person] = {}
        self.new_memberships: list[Membership] = []
        self.changed_memberships: list[Membership] = []
        self.closing_positions: list[BoardPosition] = []
        self.new_positions: list[BoardPosition] = []
        self.changed_positions: list[BoardPosition] = []

        ruc_rows: dict[str, _OrgInfo] = {}
        planned: dict[str, Organization] = {}
        for info in organizations.values():
            if info.ruc:
                other = ruc_rows.get(info.ruc)
                if other is not None:
                    self.error(
                        info.first_row,
                        "ruc",
                        _("The RUC %(ruc)s is also given to organization %(code)s in row %(row)d.")
                        % {"ruc": info.ruc, "code": other.code, "row": other.first_row.number},
                    )
                ruc_rows[info.ruc] = info
                owner = ruc_owners.get(info.ruc)
                if owner is not None and owner != info.code:
                    self.error(
                        info.first_row,
                        "ruc",
                        _("The RUC %(ruc)s is registered to another organization (%(code)s).")
                        % {"ruc": info.ruc, "code": owner},
                    )
            organization = self._plan_organization(info, communities, districts, existing)
            if organization is not None:
                planned[info.code] = organization

        persons = self._plan_persons(organizations, planned, by_dni)
        for info in organizations.values():
            organization = planned.get(info.code)
            if organization is None:
                continue
            self._plan_members(info, organization, persons, memberships, open_positions)

    def _plan_organization(
        self,
        info: _OrgInfo,
        communities: dict[str, Community],
        districts: dict[str, AdminArea],
        existing: dict[str, Organization],
    ) -> Organization | None:
        row = info.first_row
        community = communities.get(info.community_code) if info.community_code else None
        if info.community_code and community is None:
            self.error(
                row,
                "community_code",
                _("There is no community with code %(code)s.") % {"code": info.community_code},
            )
            return None
        district = districts.get(info.ubigeo) if info.ubigeo else None
        if info.ubigeo and district is None:
            self.error(
                row,
                "district_ubigeo",
                _("There is no district with UBIGEO code %(code)s.") % {"code": info.ubigeo},
            )
            return None
        organization = existing.get(info.code)
        if community is None and organization is not None and organization.community is not None:
            community = organization.community  # a blank community keeps the registered one
        if community is not None:
            if district is not None and district.pk != community.district_id:
                self.error(
                    row,
                    "district_ubigeo",
                    _("The community %(community)s is in district %(code)s, not %(other)s.")
                    % {
                        "community": community.code,
                        "code": community.district.code,
                        "other": district.code,
                    },
                )
                return None
            district = community.district
        if district is None:
            return None  # no location given: reported by parse_row
        if not self.district_allowed(district):
            self.error(
                row,
                "district_ubigeo" if info.ubigeo else "community_code",
                _("The district %(district)s is outside the area you may change.")
                % {"district": district},
            )
            return None
        if organization is not None and organization.pk not in self.changeable_organizations:
            self.error(
                row,
                "organization_code",
                _("Organization %(code)s is registered in a district outside your area.")
                % {"code": info.code},
            )
            return None
        if not info.name or info.kind is None:
            return None
        values = {
            "name": info.name,
            "kind": info.kind,
            "community_id": community.pk if community else None,
            "district_id": district.pk,
            "ruc": info.ruc,
        }
        if organization is None:
            organization = Organization(
                code=info.code,
                name=info.name,
                kind=info.kind,
                community=community,
                district=district,
                ruc=info.ruc,
            )
            self.new_organizations.append(organization)
            self.created["organizations"] += 1
        elif _assign(organization, values):
            self.changed_organizations.append(organization)
            self.updated["organizations"] += 1
        else:
            self.unchanged["organizations"] += 1
        return organization

    def _plan_persons(
        self,
        organizations: dict[str, _OrgInfo],
        planned: dict[str, Organization],
        by_dni: dict[str | None, Person],
    ) -> dict[str, Person]:
        """Check each DNI's names across rows and against the registry; create the missing."""
        infos: dict[str, _PersonInfo] = {}
        for org in organizations.values():
            seen: dict[str, _OrgRow] = {}
            organization = planned.get(org.code)
            for member in org.members:
                if not member.dni:
                    continue
                if member.dni in seen:
                    self.error(
                        member.row,
                        "member_dni",
                        _("DNI %(dni)s is already a member of %(code)s in row %(row)d.")
                        % {"dni": member.dni, "code": org.code, "row": seen[member.dni].row.number},
                    )
                    continue
                seen[member.dni] = member
                info = infos.get(member.dni)
                if info is None:
                    info = infos[member.dni] = _PersonInfo(member.dni, member)
                elif self._conflicts(member, info):
                    continue
                info.first_names = info.first_names or member.first_names
                info.paternal_surname = info.paternal_surname or member.paternal_surname
                info.maternal_surname = info.maternal_surname or member.maternal_surname
                info.sex = info.sex or member.sex
                if info.district_id is None and organization is not None:
                    info.district_id = organization.district_id

        persons: dict[str, Person] = {}
        for dni, info in infos.items():
            registered = by_dni.get(dni)
            if registered is not None:
                if _names_conflict(
                    registered, info.first_names, info.paternal_surname, info.maternal_surname
                ) or (info.sex and info.sex != registered.sex):
                    self.error(
                        info.first_row.row,
                        "member_dni",
                        _("DNI %(dni)s is already registered to a person with other names.")
                        % {"dni": dni},
                    )
                    continue
                persons[dni] = registered
                self.unchanged["persons"] += 1
                continue
            missing = [
                name
                for name, value in (
                    ("member_first_names", info.first_names),
                    ("member_paternal_surname", info.paternal_surname),
                    ("member_sex", info.sex),
                )
                if not value
            ]
            for name in missing:
                self.error(
                    info.first_row.row,
                    name,
                    _("DNI %(dni)s is not registered yet: give the member's names and sex.")
                    % {"dni": dni},
                )
            if missing or info.district_id is None or info.sex is None:
                continue
            person = Person(
                dni=dni,
                first_names=info.first_names,
                paternal_surname=info.paternal_surname,
                maternal_surname=info.maternal_surname,
                sex=info.sex,
                district_id=info.district_id,
            )
            persons[dni] = self.new_persons[dni] = person
            self.created["persons"] += 1
        return persons

    def _conflicts(self, member: _OrgRow, info: _PersonInfo) -> bool:
        first = info.first_row
        if (
            _differs(member.first_names, info.first_names)
            or _differs(member.paternal_surname, info.paternal_surname)
            or _differs(member.maternal_surname, info.maternal_surname)
        ):
            self.error(
                member.row,
                "member_dni",
                _("DNI %(dni)s is given to a person with other names in row %(row)d.")
                % {"dni": member.dni, "row": first.row.number},
            )
            return True
        if member.sex and info.sex and member.sex != info.sex:
            self.error(
                member.row,
                "member_sex",
                _("DNI %(dni)s has another sex in row %(row)d.")
                % {"dni": member.dni, "row": first.row.number},
            )
            return True
        return False

    def _plan_members(
        self,
        info: _OrgInfo,
        organization: Organization,
        persons: dict[str, Person],
        memberships: dict[tuple[int, int], Membership],
        open_positions: dict[tuple[int, str], list[BoardPosition]],
    ) -> None:
        holders: dict[str, _OrgRow] = {}
        for member in info.members:
            if not member.dni or member.dni not in persons:
                continue
            person = persons[member.dni]
            membership = (
                memberships.get((organization.pk, person.pk))
                if organization.pk and person.pk
                else None
            )
            if membership is None:
                self.new_memberships.append(
                    Membership(
                        organization=organization,
                        person=person,
                        joined_on=member.joined_on,
                        left_on=member.left_on,
                    )
                )
                self.created["memberships"] += 1
            elif _assign(membership, {"joined_on": member.joined_on, "left_on": member.left_on}):
                self.changed_memberships.append(membership)
                self.updated["memberships"] += 1
            else:
                self.unchanged["memberships"] += 1
            if member.role is None or member.term_start is None:
                continue
            if member.role != BoardRole.MEMBER:
                if member.role in holders:
                    self.error(
                        member.row,
                        "board_position",
                        _("Organization %(code)s already has this position in row %(row)d.")
                        % {"code": info.code, "row": holders[member.role].row.number},
                    )
                    continue
                holders[member.role] = member
            self._plan_position(member, organization, person, open_positions)

    def _plan_position(
        self,
        member: _OrgRow,
        organization: Organization,
        person: Person,
        open_positions: dict[tuple[int, str], list[BoardPosition]],
    ) -> None:
        assert member.role is not None and member.term_start is not None
        current = open_positions.get((organization.pk, member.role), []) if organization.pk else []
        if member.role == BoardRole.MEMBER:
            # Several board members at once: the natural key includes the person.
            current = [p for p in current if p.person_id == person.pk]
        same = next((p for p in current if person.pk and p.person_id == person.pk), None)
        if same is not None:
            if _assign(same, {"term_start": member.term_start}):
                self.changed_positions.append(same)
                self.updated["board_positions"] += 1
            else:
                self.unchanged["board_positions"] += 1
            return
        for previous in current:
            # A new holder ends the previous open term on the day the new one starts.
            if previous.term_start > member.term_start:
                self.error(
                    member.row,
                    "term_start",
                    _(
                        "The current holder of this position started on %(date)s, after "
                        "%(start)s; correct the date or close that term first."
                    )
                    % {"date": previous.term_start, "start": member.term_start},
                )
                return
        for previous in current:
            previous.term_end = member.term_start
            self.closing_positions.append(previous)
            self.updated["board_positions"] += 1
        self.new_positions.append(
            BoardPosition(
                organization=organization,
                person=person,
                role=member.role,
                term_start=member.term_start,
            )
        )
        self.created["board_positions"] += 1

    def apply(self) -> None:
        # Rows pointing at objects created above pick up their new ids in bulk_create().
        self.create(Organization, self.new_organizations)
        for organization in self.changed_organizations:
            self.save(organization)
        self.create(Person, list(self.new_persons.values()))
        self.create(Membership, self.new_memberships)
        for membership in self.changed_memberships:
            self.save(membership)
        # Close outgoing terms before opening new ones: one open holder per position.
        for position in self.closing_positions:
            self.save(position)
        for position in self.changed_positions:
            self.save(position)
        self.create(BoardPosition, self.new_positions)


_IMPORTERS: dict[str, type[_Importer]] = {
    "communities": _CommunityImporter,
    "households": _HouseholdImporter,
    "organizations": _OrganizationImporter,
}


# --- public entry points ----------------------------------------------------------------------


def import_table(
    *, kind: str, table: Table, user: Any = None, dry_run: bool = False, source: str = ""
) -> ImportResult:
    """Validate `table` as a `kind` list and, unless `dry_run` or any row has an error, write it
    in one transaction. `user` bounds what may change (None: no bound, for console operators)
    and is recorded in the history."""
    columns_for(kind)
    importer = _IMPORTERS[kind](table, user=user, source=source)
    if dry_run:
        importer.plan()
        return importer.result(dry_run=True)
    try:
        with transaction.atomic():
            # Planned inside the transaction so the checks and the writes see the same registry.
            importer.plan()
            if not importer.errors:
                importer.apply()
    except IntegrityError as exc:
        logger.warning("Import of %s (%s) hit a database constraint", source, kind, exc_info=True)
        raise DomainError(
            _(
                "The registry changed while this file was being imported; nothing was saved. "
                "Import the file again."
            ),
            code="conflict",
        ) from exc
    return importer.result(dry_run=False)


def import_file(
    *, kind: str, data: bytes, filename: str, user: Any = None, dry_run: bool = False
) -> ImportResult:
    """Read a CSV or XLSX upload and import it (see `import_table`). A file that is not a
    readable table raises `DomainError`; problems in rows come back in `ImportResult.errors`."""
    columns_for(kind)
    table = read_table(data, filename, code_columns=_code_columns(kind))
    return import_table(kind=kind, table=table, user=user, dry_run=dry_run, source=filename)


# --- export -----------------------------------------------------------------------------------


def export_rows(kind: str, queryset: QuerySet[Any]) -> Iterator[dict[str, Any]]:
    """Rows in the import layout of `kind`, streamed: `queryset` is of Community, Household or
    Organization (already restricted to what the user may see). Households give one row per
    person (head first; a household without members has no row); organizations one row per
    member, plus a row for an organization without members and for an open board position whose
    holder is not a member (importing it back registers them as members)."""
    columns_for(kind)
    if kind == "communities":
        return _export_communities(queryset)
    if kind == "households":
        return _export_households(queryset)
    return _export_organizations(queryset)


def export_file(kind: str, queryset: QuerySet[Any], file_format: str = "xlsx") -> bytes:
    """`export_rows` written as CSV or XLSX, ready to send as a download."""
    rows = export_rows(kind, queryset)
    if file_format == "csv":
        return write_csv(rows, export_columns(kind))
    return write_xlsx(rows, export_columns(kind), kind)


def _export_communities(queryset: QuerySet[Any]) -> Iterator[dict[str, Any]]:
    for community in queryset.select_related("district").order_by("code").iterator(2000):
        yield {
            "code": community.code,
            "name": community.name,
            "district_ubigeo": community.district.code,
            "latitude": community.latitude,
            "longitude": community.longitude,
            "altitude_m": community.altitude_m,
            "recognised_on": community.recognised_on,
        }


def _export_households(queryset: QuerySet[Any]) -> Iterator[dict[str, Any]]:
    head_first = Case(
        When(relationship=Relationship.HEAD, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    persons = (
        Person.objects.filter(household__in=queryset.values("pk"))
        .select_related("household__community")
        .order_by("household__code", head_first, "pk")
    )
    for person in persons.iterator(2000):
        household = person.household
        assert household is not None
        yield {
            "household_code": household.code,
            "community_code": household.community.code,
            "sector": household.sector,
            "dni": person.dni or "",
            "first_names": person.first_names,
            "paternal_surname": person.paternal_surname,
            "maternal_surname": person.maternal_surname,
            "sex": person.sex,
            "birth_date": person.birth_date,
            "relationship": person.relationship,
            "phone": person.phone,
        }


_ROLE_ORDER = {role: index for index, role in enumerate(BoardRole.values)}


def _export_organizations(queryset: QuerySet[Any]) -> Iterator[dict[str, Any]]:
    organizations = list(queryset.select_related("community", "district").order_by("code"))
    ids = queryset.values("pk")
    members: dict[int, list[Membership]] = defaultdict(list)
    for membership in (
        Membership.objects.filter(organization__in=ids)
        .select_related("person")
        .order_by("person__paternal_surname", "person__maternal_surname", "person__first_names")
        .iterator(2000)
    ):
        members[membership.organization_id].append(membership)
    positions: dict[tuple[int, int], BoardPosition] = {}
    holders: dict[int, list[BoardPosition]] = defaultdict(list)
    for position in (
        BoardPosition.objects.filter(organization__in=ids, term_end__isnull=True)
        .select_related("person")
        .order_by("term_start", "pk")
    ):
        key = (position.organization_id, position.person_id)
        # One position per member row: the highest-ranking one a person holds.
        if key not in positions or _ROLE_ORDER[position.role] < _ROLE_ORDER[positions[key].role]:
            positions[key] = position
        holders[position.organization_id].append(position)

    for organization in organizations:
        base = {
            "organization_code": organization.code,
            "organization_name": organization.name,
            "organization_type": organization.kind,
            "community_code": organization.community.code if organization.community else "",
            "district_ubigeo": organization.district.code,
            "ruc": organization.ruc or "",
        }
        listed = members.get(organization.pk, [])
        member_ids = {m.person_id for m in listed}
        extra = [
            p
            for p in holders.get(organization.pk, [])
            if p.person_id not in member_ids and positions[(p.organization_id, p.person_id)] is p
        ]
        if not listed and not extra:
            yield base
            continue
        for membership in listed:
            yield _member_row(
                base,
                membership.person,
                membership,
                positions.get((organization.pk, membership.person_id)),
            )
        for position in extra:
            yield _member_row(base, position.person, None, position)


def _member_row(
    base: dict[str, Any],
    person: Person,
    membership: Membership | None,
    position: BoardPosition | None,
) -> dict[str, Any]:
    return {
        **base,
        "member_dni": person.dni or "",
        "member_first_names": person.first_names,
        "member_paternal_surname": person.paternal_surname,
        "member_maternal_surname": person.maternal_surname,
        "member_sex": person.sex,
        "joined_on": membership.joined_on if membership else None,
        "left_on": membership.left_on if membership else None,
        "board_position": position.role if position else "",
        "term_start": position.term_start if position else None,
    }


ENTITY_MODELS: dict[str, type[models.Model]] = {
    "communities": Community,
    "households": Household,
    "persons": Person,
    "organizations": Organization,
    "memberships": Membership,
    "board_positions": BoardPosition,
}


def summary_lines(result: ImportResult) -> list[str]:
    """One translated line per entity, "households: 3 created, 1 updated, 10 unchanged"."""
    entities: Sequence[str] = [
        e
        for e in ENTITY_MODELS
        if e in result.created or e in result.updated or e in result.unchanged
    ]
    return [
        _("%(entity)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged")
        % {
            "entity": ENTITY_MODELS[entity]._meta.verbose_name_plural,
            "created": result.created.get(entity, 0),
            "updated": result.updated.get(entity, 0),
            "unchanged": result.unchanged.get(entity, 0),
        }
        for entity in entities
    ]
