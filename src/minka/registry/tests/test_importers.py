"""Importing and exporting registry lists: every error with its row and column, all-or-nothing
writes, idempotent re-imports, scope, and export -> import round trips."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import Workbook, load_workbook

from minka.core.errors import DomainError
from minka.core.models import Role, RoleAssignment, User
from minka.geo.models import AdminArea
from minka.programmes.models import LocalOffice, Programme
from minka.registry.importers import (
    COLUMNS,
    ImportResult,
    export_file,
    export_rows,
    import_file,
    import_template,
    parse_date,
    parse_organization_kind,
    parse_relationship,
    parse_sex,
    summary_lines,
)
from minka.registry.models import (
    BoardPosition,
    Community,
    Household,
    Membership,
    Organization,
    Person,
)

pytestmark = pytest.mark.django_db

VALID_RUC = "20123456786"  # SUNAT check digit of 2012345678 is 6
HOUSEHOLD_HEADER = [
    "household_code",
    "community_code",
    "sector",
    "dni",
    "first_names",
    "paternal_surname",
    "maternal_surname",
    "sex",
    "birth_date",
    "relationship",
    "phone",
]
ORG_HEADER = [
    "organization_code",
    "organization_name",
    "organization_type",
    "community_code",
    "district_ubigeo",
    "ruc",
    "member_dni",
    "member_first_names",
    "member_paternal_surname",
    "member_maternal_surname",
    "member_sex",
    "joined_on",
    "left_on",
    "board_position",
    "term_start",
]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def area(code: str, name: str, parent: AdminArea | None = None) -> AdminArea:
    return AdminArea.objects.create(
        level=len(code) // 2, code=code, name=name, parent=parent, path=code
    )


@pytest.fixture
def districts() -> dict[str, AdminArea]:
    apurimac = area("03", "Apurímac")
    andahuaylas = area("0302", "Andahuaylas", apurimac)
    cusco = area("08", "Cusco")
    cusco_province = area("0801", "Cusco", cusco)
    return {
        "030201": area("030201", "Andahuaylas", andahuaylas),
        "030202": area("030202", "Andarapa", andahuaylas),
        "080101": area("080101", "Cusco", cusco_province),
    }


@pytest.fixture
def communities(districts) -> dict[str, Community]:
    return {
        "C1": Community.objects.create(code="C1", name="Ñahui", district=districts["030201"]),
        "C2": Community.objects.create(code="C2", name="Sañayca", district=districts["030202"]),
        "C9": Community.objects.create(code="C9", name="Qorao", district=districts["080101"]),
    }


@pytest.fixture
def officer(districts) -> User:
    """A local-office officer whose office serves the province of Andahuaylas only."""
    user = User.objects.create_user("officer", password="x")
    programme = Programme.objects.create(
        code="SS", name="Sierra Sur", starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2030, 1, 1)
    )
    programme.coverage_areas.add(AdminArea.objects.get(code="03"), AdminArea.objects.get(code="08"))
    office = LocalOffice.objects.create(programme=programme, name="Andahuaylas")
    office.areas.add(AdminArea.objects.get(code="0302"))
    RoleAssignment.objects.create(
        user=user, role=Role.OFFICER, programme=programme, local_office=office
    )
    return user


def csv_bytes(header: list[str], rows: list[list[object]], delimiter: str = ",") -> bytes:
    lines = [delimiter.join(header)]
    lines += [delimiter.join("" if v is None else str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def xlsx_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(kind: str, data: bytes, filename: str = "list.csv", **options) -> ImportResult:
    return import_file(kind=kind, data=data, filename=filename, **options)


def errors_of(result: ImportResult) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in result.errors]


def history_count() -> int:
    return sum(
        model.history.count()
        for model in (Community, Household, Person, Organization, Membership, BoardPosition)
    )


def household_rows() -> list[list[object]]:
    return [
        ["H1", "C1", "Alto", "01234567", "Juan", "Quispe", "Huamán", "M", "1970-03-01", "head", ""],
        [
            "H1",
            "C1",
            "Alto",
            "23456789",
            "Rosa",
            "Ccori",
            "Mamani",
            "F",
            "02/05/1972",
            "spouse",
            "",
        ],
        ["H1", "C1", "", "", "Luz", "Quispe", "Ccori", "F", "2010-09-09", "child", ""],
        ["H2", "C2", "", "34567890", "Pedro", "Huamaní", "", "M", "", "jefe", "987654321"],
    ]


def org_rows() -> list[list[object]]:
    return [
        [
            "O1",
            "Mujeres de Ñahui",
            "women",
            "C1",
            "",
            VALID_RUC,
            "23456789",
            "Rosa",
            "Ccori",
            "Mamani",
            "F",
            "2019-01-01",
            "",
            "president",
            "2023-01-01",
        ],
        [
            "O1",
            "Mujeres de Ñahui",
            "women",
            "C1",
            "",
            VALID_RUC,
            "45678901",
            "Elena",
            "Apaza",
            "",
            "F",
            "",
            "",
            "treasurer",
            "2023-01-01",
        ],
        [
            "O2",
            "Productores Sañayca",
            "Organización de productores",
            "",
            "030202",
            "",
            "23456789",
            "Rosa",
            "Ccori",
            "Mamani",
            "Mujer",
            "",
            "",
            "",
            "",
        ],
        [
            "O3",
            "Municipalidad de Andarapa",
            "Municipality",
            "",
            "030202",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    ]


# --- column specification and value parsers ---------------------------------------------------


def test_every_kind_documents_its_columns():
    for kind, columns in COLUMNS.items():
        assert columns, kind
        for column in columns:
            assert str(column.description)
        header = import_template(kind, "csv").decode("utf-8-sig").splitlines()[0].split(",")
        assert header == [c.name for c in columns]
        sheet = load_workbook(io.BytesIO(import_template(kind, "xlsx"))).active
        assert [c.value for c in sheet[1]] == [c.name for c in columns]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("F", "F"),
        ("m", "M"),
        ("Mujer", "F"),
        ("HOMBRE", "M"),
        ("Femenino", "F"),
        ("masculino", "M"),
        ("female", "F"),
        ("Male", "M"),
    ],
)
def test_sex_values(text, value):
    assert parse_sex(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("farmers", "farmers"),
        ("Women's group", "women"),
        ("Grupo de mujeres", "women"),
        ("Comunidad campesina", "community"),
        ("municipalidad", "municipality"),
        ("Artisans' association", "artisans"),
    ],
)
def test_organization_types(text, value):
    assert parse_organization_kind(text) == value


def test_relationships_and_dates():
    assert parse_relationship("Jefe de hogar") == "head"
    assert parse_relationship("cónyuge") == "spouse"
    assert parse_date("2024-02-29") == dt.date(2024, 2, 29)
    assert parse_date("29/02/2024") == dt.date(2024, 2, 29)
    for bad in ("2023-02-29", "02/29/2024", "29-02-2024", "yesterday"):
        with pytest.raises(ValueError):
            parse_date(bad)


def test_unknown_kind_is_refused():
    with pytest.raises(DomainError):
        run("providers", b"code\nX\n")


# --- communities ------------------------------------------------------------------------------

COMMUNITY_HEADER = [
    "code",
    "name",
    "district_ubigeo",
    "latitude",
    "longitude",
    "altitude_m",
    "recognised_on",
]


def test_communities_import_creates_then_is_a_no_op(districts):
    data = csv_bytes(
        COMMUNITY_HEADER,
        [
            ["C1", "Ñahui", "030201", "-13.65", "-73.38", "3500", "1958-04-12"],
            ["C2", "Sañayca", "030202", "", "", "", ""],
        ],
    )
    result = run("communities", data)
    assert result.ok and result.created == {"communities": 2}
    c1 = Community.objects.get(code="C1")
    assert (c1.latitude, c1.altitude_m, c1.recognised_on) == (-13.65, 3500, dt.date(1958, 4, 12))
    assert c1.history.first().history_change_reason == "Imported from list.csv"

    before = history_count()
    again = run("communities", data)
    assert again.created == {} and again.updated == {} and again.unchanged == {"communities": 2}
    assert history_count() == before


def test_latin1_csv_with_semicolons_imports_accents(districts):
    data = "código;nombre;ubigeo\nC1;Ñahui;030201\n".encode("latin-1")
    result = run("communities", data)
    assert result.ok, result.errors
    assert Community.objects.get(code="C1").name == "Ñahui"


def test_community_errors_name_row_and_column(districts):
    data = csv_bytes(
        COMMUNITY_HEADER,
        [
            ["C1", "Ñahui", "030201", "", "", "", ""],
            ["C2", "Sañayca", "999999", "", "", "", ""],
            ["C1", "Repetida", "030201", "", "", "", ""],
            ["C3", "", "3021", "95", "", "high", "31/02/1990"],
        ],
    )
    result = run("communities", data)
    assert errors_of(result) == [
        (3, "district_ubigeo"),
        (4, "code"),
        (5, "name"),
        (5, "district_ubigeo"),
        (5, "latitude"),
        (5, "altitude_m"),
        (5, "recognised_on"),
    ]
    assert "no district with UBIGEO code 999999" in result.errors[0].message
    assert "already in row 2" in result.errors[1].message
    assert not Community.objects.exists()


def test_missing_required_column_is_reported_once_on_row_1(districts):
    data = csv_bytes(["code", "latitude"], [["C1", "1"], ["C2", "2"]])
    result = run("communities", data)
    assert errors_of(result) == [(1, "name"), (1, "district_ubigeo")]
    assert "required column" in result.errors[0].message


def test_unknown_columns_are_warned_and_ignored(districts):
    data = csv_bytes(["code", "name", "district_ubigeo", "colour"], [["C1", "a", "030201", "x"]])
    result = run("communities", data)
    assert result.ok
    assert [(w.row, w.column) for w in result.warnings] == [(1, "colour")]


def test_update_keeps_blank_optional_values_and_records_history(districts):
    run(
        "communities",
        csv_bytes(COMMUNITY_HEADER, [["C1", "Ñahui", "030201", "-13.6", "", "3500", ""]]),
    )
    result = run(
        "communities",
        csv_bytes(
            ["code", "name", "district_ubigeo", "altitude_m"], [["C1", "Ñahui Alto", "030201", ""]]
        ),
    )
    assert result.updated == {"communities": 1}
    community = Community.objects.get(code="C1")
    assert (community.name, community.latitude, community.altitude_m) == ("Ñahui Alto", -13.6, 3500)
    old, new = community.history.order_by("history_date")[:2]
    assert (old.name, new.name) == ("Ñahui", "Ñahui Alto")


def test_xlsx_ubigeo_typed_as_number_keeps_its_zero(districts):
    data = xlsx_bytes(
        ["code", "name", "district_ubigeo", "recognised_on"],
        [["C1", "Ñahui", 30201, dt.datetime(1958, 4, 12)]],
    )
    result = run("communities", data, "list.xlsx")
    assert result.ok, result.errors
    community = Community.objects.get(code="C1")
    assert community.district.code == "030201"
    assert community.recognised_on == dt.date(1958, 4, 12)


# --- households -------------------------------------------------------------------------------


def test_households_import_creates_persons_with_their_district(communities):
    result = run("households", csv_bytes(HOUSEHOLD_HEADER, household_rows()))
    assert result.ok, result.errors
    assert result.created == {"households": 2, "persons": 4}
    juan = Person.objects.get(dni="01234567")
    assert juan.household.code == "H1" and juan.relationship == "head"
    assert juan.district.code == "030201"  # from the community
    assert Person.objects.get(first_names="Luz").dni is None
    assert Person.objects.get(dni="34567890").relationship == "head"  # "jefe"
    assert Household.objects.get(code="H1").sector == "Alto"
    assert Person.objects.get(dni="23456789").birth_date == dt.date(1972, 5, 2)


def test_household_reimport_is_a_no_op_without_new_history(communities):
    data = csv_bytes(HOUSEHOLD_HEADER, household_rows())
    run("households", data)
    before = history_count()
    result = run("households", data)
    assert result.ok
    assert result.created == {} and result.updated == {}
    assert result.unchanged == {"households": 2, "persons": 4}  # Luz matched by name, no DNI
    assert history_count() == before
    assert Person.objects.count() == 4


def test_household_errors_name_row_and_column(communities):
    rows = household_rows()
    rows[1][3] = "2345678X"  # bad DNI, row 3
    rows[2][7] = "X"  # bad sex, row 4
    rows[2][8] = "2010-13-01"  # bad date, row 4
    rows.append(["H3", "NOPE", "", "45678901", "Ana", "Rojas", "", "F", "", "head", ""])  # row 6
    rows.append(["H2", "C2", "", "34567890", "Pablo", "Huamaní", "", "M", "", "child", ""])  # 7
    result = run("households", csv_bytes(HOUSEHOLD_HEADER, rows))
    assert errors_of(result) == [
        (3, "dni"),
        (4, "sex"),
        (4, "birth_date"),
        (6, "community_code"),
        (7, "dni"),
    ]
    assert "8 digits" in result.errors[0].message
    assert "different person in row 5" in result.errors[4].message
    assert not Household.objects.exists() and not Person.objects.exists()


def test_same_person_twice_in_a_households_file_is_an_error(communities):
    rows = household_rows()
    rows.append(["H2", "C2", "", "01234567", "JUAN", "QUISPE", "", "M", "", "other", ""])
    result = run("households", csv_bytes(HOUSEHOLD_HEADER, rows))
    assert errors_of(result) == [(6, "dni")]
    assert "one household" in result.errors[0].message


def test_dni_registered_to_another_person_is_an_error(communities):
    Person.objects.create(
        dni="01234567",
        first_names="Marcelino",
        paternal_surname="Apaza",
        sex="M",
        district=communities["C1"].district,
    )
    result = run("households", csv_bytes(HOUSEHOLD_HEADER, household_rows()))
    assert errors_of(result) == [(2, "dni")]
    assert "other names" in result.errors[0].message
    assert "Marcelino" not in result.errors[0].message  # no personal data leaks out


def test_registered_dni_with_same_names_in_other_case_is_matched(communities):
    person = Person.objects.create(
        dni="01234567",
        first_names="JUAN",
        paternal_surname="QUISPE",
        sex="M",
        district=communities["C9"].district,
    )
    result = run("households", csv_bytes(HOUSEHOLD_HEADER, household_rows()))
    assert result.ok, result.errors
    assert result.updated == {"persons": 1}
    person.refresh_from_db()
    assert (person.first_names, person.household.code, person.district.code) == (
        "Juan",
        "H1",
        "030201",
    )


def test_two_heads_and_no_head_are_errors(communities):
    rows = household_rows()
    rows[1][9] = "head"  # Rosa also head of H1, row 3
    rows[3][9] = "child"  # H2 has no head, row 5
    result = run("households", csv_bytes(HOUSEHOLD_HEADER, rows))
    assert errors_of(result) == [(3, "relationship"), (5, "relationship")]
    assert "two heads: rows 2 and 3" in result.errors[0].message
    assert "no head" in result.errors[1].message


def test_a_new_head_while_the_registered_head_stays_is_an_error(communities):
    run("households", csv_bytes(HOUSEHOLD_HEADER, household_rows()))
    rows = [["H2", "C2", "", "56789012", "Nilda", "Huamaní", "", "F", "", "head", ""]]
    result = run("households", csv_bytes(HOUSEHOLD_HEADER, rows))
    assert errors_of(result) == [(2, "relationship")]
    # Adding a member to a household whose head is registered needs no head in the file.
    rows[0][9] = "spouse"
    assert run("households", csv_bytes(HOUSEHOLD_HEADER, rows)).created == {"persons": 1}


def test_heads_can_swap_inside_a_household(communities):
    run("households", csv_bytes(HOUSEHOLD_HEADER, household_rows()))
    rows = household_rows()[:2]
    rows[0][9], rows[1][9] = "spouse", "head"
    result = run("households", csv_bytes(HOUSEHOLD_HEADER, rows))
    assert result.ok, result.errors
    assert result.updated == {"persons": 2}
    assert Person.objects.get(dni="23456789").relationship == "head"
    juan = Person.objects.get(dni="01234567")
    assert juan.relationship == "spouse"
    assert [h.relationship for h in juan.history.order_by("history_date")] == ["head", "spouse"]


def test_one_bad_row_among_good_ones_writes_nothing(communities):
    rows = household_rows()
    rows[3][7] = "?"
    result = run("households", csv_bytes(HOUSEHOLD_HEADER, rows))
    assert errors_of(result) == [(5, "sex")]
    assert result.created == {} and not result.written
    assert not Household.objects.exists() and not Person.objects.exists()


def test_dry_run_counts_and_writes_nothing(communities):
    before = history_count()
    result = run("households", csv_bytes(HOUSEHOLD_HEADER, household_rows()), dry_run=True)
    assert result.ok and result.dry_run and not result.written
    assert result.created == {"households": 2, "persons": 4}
    assert not Household.objects.exists() and not Person.objects.exists()
    assert history_count() == before


def test_xlsx_household_with_numeric_dni_keeps_leading_zero(communities):
    rows = household_rows()
    rows[0][3] = 1234567  # typed as a number: Excel shows 1234567
    rows[0][8] = dt.datetime(1970, 3, 1)
    result = run("households", xlsx_bytes(HOUSEHOLD_HEADER, rows), "list.xlsx")
    assert result.ok, result.errors
    juan = Person.objects.get(dni="01234567")
    assert juan.birth_date == dt.date(1970, 3, 1)


def test_spanish_headers_are_accepted(communities):
    header = [
        "Código hogar",
        "Código comunidad",
        "DNI",
        "Nombres",
        "Apellido paterno",
        "Sexo",
        "Fecha de nacimiento",
        "Parentesco",
    ]
    rows = [["H9", "C1", "01234567", "Juan", "Quispe", "Hombre", "01/03/1970", "Jefe"]]
    result = run("households", csv_bytes(header, rows, ";"))
    assert result.ok, result.errors
    assert Person.objects.get(dni="01234567").sex == "M"


def test_a_seven_digit_dni_in_csv_gets_a_hint(communities):
    rows = household_rows()[:1]
    rows[0][3] = "1234567"
    result = run("households", csv_bytes(HOUSEHOLD_HEADER, rows))
    assert errors_of(result) == [(2, "dni")]
    assert "format the column as text" in result.errors[0].message


def test_household_import_queries_do_not_grow_with_rows(communities):
    def rows(count: int) -> list[list[object]]:
        return [
            [f"H{i}", "C1", "", f"{10000000 + i}", "Ana", "Rojas", "", "F", "", "head", ""]
            for i in range(count)
        ]

    counts = []
    for size, offset in ((5, 0), (60, 1000)):
        data = rows(size + offset)[offset:]
        with CaptureQueriesContext(connection) as queries:
            assert run("households", csv_bytes(HOUSEHOLD_HEADER, data)).ok
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- organizations ----------------------------------------------------------------------------


def test_organizations_import_members_and_board(communities):
    run("households", csv_bytes(HOUSEHOLD_HEADER, household_rows()))
    result = run("organizations", csv_bytes(ORG_HEADER, org_rows()))
    assert result.ok, result.errors
    assert result.created == {
        "organizations": 3,
        "persons": 1,
        "memberships": 3,
        "board_positions": 2,
    }
    assert result.unchanged == {"persons": 1}  # Rosa, registered by the household import
    o1 = Organization.objects.get(code="O1")
    assert (o1.kind, o1.ruc, o1.district.code, o1.community.code) == (
        "women",
        VALID_RUC,
        "030201",
        "C1",
    )
    assert Organization.objects.get(code="O2").kind == "farmers"
    elena = Person.objects.get(dni="45678901")
    assert elena.district.code == "030201"  # from the organization
    assert elena.household is None
    president = BoardPosition.objects.get(organization=o1, role="president")
    assert president.person.dni == "23456789" and president.term_start == dt.date(2023, 1, 1)
    # Rosa is a member of two organizations: not a duplicate.
    assert Membership.objects.filter(person__dni="23456789").count() == 2
    assert not Organization.objects.get(code="O3").memberships.exists()

    before = history_count()
    again = run("organizations", csv_bytes(ORG_HEADER, org_rows()))
    assert again.created == {} and again.updated == {}
    assert again.unchanged == {
        "organizations": 3,
        "persons": 2,
        "memberships": 3,
        "board_positions": 2,
    }
    assert history_count() == before


def test_organization_errors_name_row_and_column(communities):
    rows = org_rows()
    rows[0][5] = "20123456780"  # bad RUC check digit, row 2
    rows[1][2] = "cooperative"  # bad type, row 3
    rows[2][4] = "999999"  # unknown district, row 4
    rows.append(["O4", "X", "youth", "NOPE", "", "", "", "", "", "", "", "", "", "", ""])  # row 6
    rows.append(["O5", "Y", "youth", "C1", "030202", "", "", "", "", "", "", "", "", "", ""])  # 7
    result = run("organizations", csv_bytes(ORG_HEADER, rows))
    assert errors_of(result) == [
        (2, "ruc"),
        (3, "organization_type"),
        (4, "district_ubigeo"),
        (6, "community_code"),
        (7, "district_ubigeo"),
    ]
    assert "check digit" in result.errors[0].message
    assert "is in district 030201, not 030202" in result.errors[4].message
    assert not Organization.objects.exists()


def test_conflicting_names_for_one_dni_across_organizations(communities):
    rows = org_rows()
    rows[2][7] = "Rosalía"  # row 4 names DNI 23456789 differently from row 2
    result = run("organizations", csv_bytes(ORG_HEADER, rows))
    assert errors_of(result) == [(4, "member_dni")]
    assert "other names in row 2" in result.errors[0].message


def test_member_twice_in_one_organization_is_an_error(communities):
    rows = org_rows()
    rows.insert(2, list(rows[0]))
    rows[2][13] = rows[2][14] = ""
    result = run("organizations", csv_bytes(ORG_HEADER, rows))
    assert errors_of(result) == [(4, "member_dni")]


def test_unregistered_member_needs_names_and_sex(communities):
    rows = [
        ["O1", "Mujeres", "women", "C1", "", "", "45678901", "Elena", "", "", "", "", "", "", ""]
    ]
    result = run("organizations", csv_bytes(ORG_HEADER, rows))
    assert errors_of(result) == [(2, "member_paternal_surname"), (2, "member_sex")]


def test_board_rows_need_a_term_and_one_holder(communities):
    rows = org_rows()
    rows[1][13] = "Presidenta"  # a second president, row 3
    rows[2][13] = "tesorero"  # a position without term start, row 4
    result = run("organizations", csv_bytes(ORG_HEADER, rows))
    assert errors_of(result) == [(3, "board_position"), (4, "term_start")]


def test_ruc_of_another_organization_is_an_error(communities):
    Organization.objects.create(
        code="OX",
        name="Other",
        kind="farmers",
        district=communities["C1"].district,
        ruc=VALID_RUC,
    )
    result = run("organizations", csv_bytes(ORG_HEADER, org_rows()))
    assert errors_of(result) == [(2, "ruc")]
    assert "(OX)" in result.errors[0].message


def test_new_president_closes_the_previous_term(communities):
    run("organizations", csv_bytes(ORG_HEADER, org_rows()))
    rows = [
        [
            "O1",
            "Mujeres de Ñahui",
            "women",
            "C1",
            "",
            VALID_RUC,
            "45678901",
            "",
            "",
            "",
            "",
            "",
            "",
            "president",
            "2025-01-01",
        ]
    ]
    result = run("organizations", csv_bytes(ORG_HEADER, rows))
    assert result.ok, result.errors
    assert result.created == {"board_positions": 1}
    assert result.updated == {"board_positions": 1}
    old = BoardPosition.objects.get(person__dni="23456789", role="president")
    assert old.term_end == dt.date(2025, 1, 1)
    new = BoardPosition.objects.get(role="president", term_end__isnull=True)
    assert new.person.dni == "45678901"
    # Elena's treasurer seat stays open: a blank never ends a term.
    assert BoardPosition.objects.get(role="treasurer").term_end is None

    rows[0][14] = "2020-01-01"  # before the current president's start
    result = run(
        "organizations",
        csv_bytes(
            ORG_HEADER,
            [rows[0][:6] + ["23456789", "", "", "", "", "", "", "president", "2020-01-01"]],
        ),
    )
    assert errors_of(result) == [(2, "term_start")]


def test_organizations_without_location_columns_are_refused(communities):
    header = [h for h in ORG_HEADER if h not in ("community_code", "district_ubigeo")]
    result = run("organizations", csv_bytes(header, [["O1", "x", "women"] + [""] * 10]))
    assert errors_of(result) == [(1, "district_ubigeo")]


def test_registered_dni_with_other_names_is_an_organization_error(communities):
    Person.objects.create(
        dni="45678901",
        first_names="Teodora",
        paternal_surname="Apaza",
        sex="F",
        district=communities["C1"].district,
    )
    result = run("organizations", csv_bytes(ORG_HEADER, org_rows()))
    assert errors_of(result) == [(3, "member_dni")]
    assert "other names" in result.errors[0].message


def test_member_cannot_leave_before_joining(communities):
    rows = org_rows()
    rows[0][12] = "2018-12-31"
    assert errors_of(run("organizations", csv_bytes(ORG_HEADER, rows))) == [(2, "left_on")]


def test_two_columns_meaning_the_same_are_an_error(communities):
    header = [*HOUSEHOLD_HEADER, "documento"]
    rows = [[*row, ""] for row in household_rows()]
    result = run("households", csv_bytes(header, rows))
    assert errors_of(result) == [(1, "documento")]


def test_a_dni_given_later_completes_the_person_registered_without_it(communities):
    run("households", csv_bytes(HOUSEHOLD_HEADER, household_rows()))
    rows = household_rows()
    rows[2][3] = "56789012"  # Luz now has a DNI
    result = run("households", csv_bytes(HOUSEHOLD_HEADER, rows))
    assert result.ok, result.errors
    assert result.updated == {"persons": 1} and "persons" not in result.created
    assert Person.objects.get(first_names="Luz").dni == "56789012"


# --- scope ------------------------------------------------------------------------------------


def test_officer_may_import_only_inside_their_area(communities, officer):
    inside = csv_bytes(COMMUNITY_HEADER, [["C5", "Pampa", "030201", "", "", "", ""]])
    assert run("communities", inside, user=officer).created == {"communities": 1}
    assert Community.objects.get(code="C5").history.first().history_user == officer

    outside = csv_bytes(
        COMMUNITY_HEADER,
        [["C6", "Ccorca", "080101", "", "", "", ""], ["C9", "Qorao", "030201", "", "", "", ""]],
    )
    result = run("communities", outside, user=officer)
    assert errors_of(result) == [(2, "district_ubigeo"), (3, "code")]
    assert "outside the area you may change" in result.errors[0].message
    assert not Community.objects.filter(code="C6").exists()
    assert Community.objects.get(code="C9").district.code == "080101"


def test_officer_cannot_import_households_or_organizations_outside(communities, officer):
    rows = [["H9", "C9", "", "01234567", "Juan", "Quispe", "", "M", "", "head", ""]]
    result = run("households", csv_bytes(HOUSEHOLD_HEADER, rows), user=officer)
    assert errors_of(result) == [(2, "community_code")]

    rows = [["O9", "Qorao", "farmers", "", "080101", "", "", "", "", "", "", "", "", "", ""]]
    result = run("organizations", csv_bytes(ORG_HEADER, rows), user=officer)
    assert errors_of(result) == [(2, "district_ubigeo")]
    assert not Organization.objects.exists()


def test_officer_cannot_move_a_person_registered_outside(communities, officer):
    Person.objects.create(
        dni="01234567",
        first_names="Juan",
        paternal_surname="Quispe",
        sex="M",
        district=communities["C9"].district,
    )
    rows = [["H1", "C1", "", "01234567", "Juan", "Quispe", "", "M", "", "head", ""]]
    result = run("households", csv_bytes(HOUSEHOLD_HEADER, rows), user=officer)
    assert errors_of(result) == [(2, "dni")]


def test_user_without_a_writing_role_changes_nothing(communities):
    auditor = User.objects.create_user("auditor", password="x")
    RoleAssignment.objects.create(user=auditor, role=Role.AUDITOR)
    data = csv_bytes(COMMUNITY_HEADER, [["C5", "Pampa", "030201", "", "", "", ""]])
    assert errors_of(run("communities", data, user=auditor)) == [(2, "district_ubigeo")]


# --- export round trips -----------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(communities, file_format):
    run("households", csv_bytes(HOUSEHOLD_HEADER, household_rows()))
    run("organizations", csv_bytes(ORG_HEADER, org_rows()))
    Community.objects.filter(code="C1").update(
        latitude=-13.65, longitude=-73.38, altitude_m=3500, recognised_on=dt.date(1958, 4, 12)
    )
    Organization.objects.filter(code="O1").update(name="=Mujeres -Ñahui")  # formula-like text
    Person.objects.filter(dni="34567890").update(phone="+51 987654321")
    Membership.objects.filter(person__dni="45678901").update(left_on=dt.date(2024, 6, 30))
    before = history_count()

    for kind, queryset in (
        ("communities", Community.objects.all()),
        ("households", Household.objects.all()),
        ("organizations", Organization.objects.all()),
    ):
        data = export_file(kind, queryset, file_format)
        result = run(kind, data, f"export.{file_format}")
        assert result.ok, (kind, result.errors)
        assert result.created == {} and result.updated == {}, (kind, result)
        assert not result.warnings
    assert history_count() == before


def test_export_rows_use_the_import_layout(communities):
    run("households", csv_bytes(HOUSEHOLD_HEADER, household_rows()))
    rows = list(export_rows("households", Household.objects.filter(code="H1")))
    assert [r["relationship"] for r in rows] == ["head", "spouse", "child"]  # head first
    assert set(rows[0]) == set(HOUSEHOLD_HEADER)
    assert rows[2]["dni"] == ""


def test_export_neutralises_formulas(communities):
    Community.objects.create(
        code="C7", name="=cmd|' /C calc'!A0", district=communities["C1"].district
    )
    data = export_file("communities", Community.objects.filter(code="C7"), "csv")
    assert "'=cmd" in data.decode("utf-8-sig")


# --- files and the command --------------------------------------------------------------------


def test_unreadable_files_raise_domain_errors(communities, settings):
    with pytest.raises(DomainError, match="is not a CSV or Excel"):
        run("households", b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", "roster.csv")
    with pytest.raises(DomainError, match="empty"):
        run("households", b"", "roster.csv")
    settings.MINKA_IMPORT_MAX_BYTES = 100
    with pytest.raises(DomainError, match="too large"):
        run("households", csv_bytes(HOUSEHOLD_HEADER, household_rows()))


def test_command_prints_summary_and_errors(communities, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(HOUSEHOLD_HEADER, household_rows()))
    call_command("import", "households", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "households: 2 created, 0 updated, 0 unchanged" in out
    assert "Dry run" in out
    assert not Household.objects.exists()

    rows = household_rows()
    rows[1][3] = "123"
    path.write_bytes(csv_bytes(HOUSEHOLD_HEADER, rows))
    with pytest.raises(CommandError, match="1 errors"):
        call_command("import", "households", str(path))
    assert "row 3, column dni:" in capsys.readouterr().err


def test_command_user_option(communities, officer, tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(csv_bytes(COMMUNITY_HEADER, [["C6", "Ccorca", "080101", "", "", "", ""]]))
    with pytest.raises(CommandError, match="nobody"):
        call_command("import", "communities", str(path), "--user", "nobody")
    with pytest.raises(CommandError):
        call_command("import", "communities", str(path), "--user", "officer")
    call_command("import", "communities", str(path))
    assert Community.objects.filter(code="C6").exists()


def test_summary_lines_are_readable():
    result = ImportResult(
        "households", False, {"persons": 2, "households": 1}, {}, {"persons": 1}, []
    )
    assert summary_lines(result) == [
        "households: 1 created, 0 updated, 0 unchanged",
        "persons: 2 created, 0 updated, 1 unchanged",
    ]
