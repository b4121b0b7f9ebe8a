"""Reading and writing CSV/XLSX tables: encodings, delimiters, refusals, formula injection."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from minka.core import tabular
from minka.core.errors import DomainError
from minka.core.tabular import normalise_header, read_table, write_csv, write_xlsx

PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def refusal(data: bytes, filename: str) -> str:
    with pytest.raises(DomainError) as info:
        read_table(data, filename)
    return str(info.value)


# --- CSV --------------------------------------------------------------------------------------


def test_utf8_with_and_without_bom_read_the_same():
    text = "code,name\nC1,Ñahui Pampa\n"
    for data in (text.encode("utf-8"), text.encode("utf-8-sig")):
        table = read_table(data, "list.csv")
        assert table.columns == ["code", "name"]
        assert table.rows[0].values == {"code": "C1", "name": "Ñahui Pampa"}


def test_latin1_file_is_decoded_correctly():
    data = "code;name\nC1;Ñahui\nC2;Sañayca\n".encode("latin-1")
    table = read_table(data, "list.csv")
    assert [r.get("name") for r in table.rows] == ["Ñahui", "Sañayca"]
    assert table.encoding == "cp1252"


def test_windows_1252_punctuation_is_decoded():
    data = "code,name\nC1,Women’s group – Ñahui\n".encode("cp1252")
    assert read_table(data, "list.csv").rows[0].get("name") == "Women’s group – Ñahui"


def test_utf16_unicode_text_from_excel_is_read():
    data = "code\tname\r\nC1\tÑahui\r\n".encode("utf-16")
    table = read_table(data, "list.txt")
    assert table.rows[0].values == {"code": "C1", "name": "Ñahui"}


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_is_sniffed(delimiter):
    data = delimiter.join(["code", "name", "ubigeo"]) + "\n"
    data += delimiter.join(["C1", "Ñahui", "030201"]) + "\n"
    table = read_table(data.encode(), "list.csv")
    assert table.rows[0].values == {"code": "C1", "name": "Ñahui", "ubigeo": "030201"}


def test_delimiter_inside_quoted_header_is_not_counted():
    data = b'"name, full";code;ubigeo\n"Quispe, Juan";C1;030201\n'
    table = read_table(data, "list.csv")
    assert table.rows[0].values == {"name_full": "Quispe, Juan", "code": "C1", "ubigeo": "030201"}


def test_headers_are_normalised():
    assert normalise_header("  Fecha de Nacimiento* ") == "fecha_de_nacimiento"
    assert normalise_header("Código UBIGEO") == "codigo_ubigeo"
    assert normalise_header("Año") == "ano"
    table = read_table("Código,  Nombre Completo \n1,x\n".encode(), "list.csv")
    assert table.columns == ["codigo", "nombre_completo"]
    assert table.headers["codigo"] == "Código"


def test_row_numbers_match_the_file_even_with_blank_lines():
    data = b"code,name\nC1,a\n\n,\nC2,b\n"
    table = read_table(data, "list.csv")
    assert [(r.number, r.get("code")) for r in table.rows] == [(2, "C1"), (5, "C2")]


def test_values_are_stripped_and_short_rows_padded():
    table = read_table(b"code,name,sector\n  C1 , a \n", "list.csv")
    assert table.rows[0].values == {"code": "C1", "name": "a", "sector": ""}


def test_duplicated_header_is_refused():
    message = refusal(b"code,Name,name \nC1,a,b\n", "list.csv")
    assert "appears twice" in message


def test_value_under_an_unnamed_column_is_refused():
    message = refusal(b"code,name\nC1,a,stray\n", "list.csv")
    assert "Row 2" in message and "column C" in message


def test_empty_trailing_columns_are_ignored():
    table = read_table(b"code,name,,\nC1,a,,\n", "list.csv")
    assert table.columns == ["code", "name"]


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n", b"   "])
def test_empty_file_is_refused(data):
    assert "empty" in refusal(data, "list.csv")


def test_missing_header_is_refused():
    assert "column names" in refusal(b"\nC1,a\n", "list.csv")
    assert "column names" in refusal(b",,\nC1,a,b\n", "list.csv")


def test_header_without_rows_is_refused():
    assert "no data rows" in refusal(b"code,name\n", "list.csv")


def test_png_renamed_csv_is_refused():
    assert "is not a CSV or Excel" in refusal(PNG_HEADER + b"\x00" * 64, "photo.csv")


def test_binary_garbage_named_csv_is_refused():
    assert "is not a CSV or Excel" in refusal(b"code,name\n\x00\x01\x02\x03binary", "x.csv")


def test_old_xls_is_refused_with_advice():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
    assert ".xlsx or CSV" in refusal(data, "old.xlsx")
    assert ".xlsx or CSV" in refusal(data, "old.xls")


@pytest.mark.parametrize("name", ["list.pdf", "list.docx", "list", "list.xls.exe"])
def test_unknown_extension_is_refused(name):
    assert "is not a CSV or Excel" in refusal(b"code,name\nC1,a\n", name)


def test_oversized_file_is_refused(settings):
    settings.MINKA_IMPORT_MAX_BYTES = 1024
    data = b"code,name\n" + b"C1,abcdefghij\n" * 100
    assert "too large" in refusal(data, "big.csv")


def test_too_many_rows_is_refused(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_ROWS", 3)
    data = b"code\n" + b"".join(f"C{i}\n".encode() for i in range(4))
    assert "more than 3 rows" in refusal(data, "long.csv")
    assert len(read_table(b"code\nC1\nC2\nC3\n", "ok.csv").rows) == 3


# --- XLSX -------------------------------------------------------------------------------------


def test_xlsx_first_sheet_values_as_text():
    data = xlsx_bytes(
        [
            ["Código", "DNI", "Birth date", "Altitude", "Latitude", "Flag"],
            ["C1", 1234567, dt.datetime(1980, 5, 17), 3500.0, -13.52, True],
            [None, None, None, None, None, None],
            ["C2", "00123456", dt.date(2001, 1, 2), 4100, 0.5, None],
        ]
    )
    table = read_table(data, "list.xlsx", code_columns={"dni": 8})
    assert table.file_format == "xlsx"
    assert table.columns == ["codigo", "dni", "birth_date", "altitude", "latitude", "flag"]
    assert table.rows[0].number == 2
    assert table.rows[0].values == {
        "codigo": "C1",
        "dni": "01234567",  # Excel dropped the zero; the code column restores it
        "birth_date": "1980-05-17",
        "altitude": "3500",  # whole numbers lose ".0"
        "latitude": "-13.52",
        "flag": "true",
    }
    assert table.rows[1].number == 4
    assert table.rows[1].get("dni") == "00123456"


def test_xlsx_numbers_outside_code_columns_are_not_padded():
    data = xlsx_bytes([["code", "amount"], [42, 7]])
    table = read_table(data, "list.xlsx", code_columns={"code": 6})
    assert table.rows[0].values == {"code": "000042", "amount": "7"}


def test_xlsx_only_first_sheet_is_read():
    workbook = Workbook()
    workbook.active.append(["code"])
    workbook.active.append(["first"])
    other = workbook.create_sheet("Other")
    other.append(["code"])
    other.append(["second"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert read_table(buffer.getvalue(), "list.xlsx").rows[0].get("code") == "first"


def test_xlsx_content_under_a_csv_name_is_read_as_xlsx():
    data = xlsx_bytes([["code"], ["C1"]])
    assert read_table(data, "list.csv").rows[0].get("code") == "C1"


def test_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert "not a valid Excel" in refusal(buffer.getvalue(), "list.xlsx")


def test_text_named_xlsx_is_refused():
    assert "not a valid Excel" in refusal(b"code,name\nC1,a\n", "list.xlsx")


def test_truncated_xlsx_is_refused():
    data = xlsx_bytes([["code"], ["C1"]])
    assert "not a valid Excel" in refusal(data[: len(data) // 2], "list.xlsx")


def test_xlsx_zip_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_XLSX_UNCOMPRESSED_BYTES", 1000)
    data = xlsx_bytes([["code"], *[[f"C{i}"] for i in range(200)]])
    assert "too large once uncompressed" in refusal(data, "list.xlsx")


def test_empty_xlsx_is_refused():
    assert "empty" in refusal(xlsx_bytes([]), "list.xlsx")


# --- writing ----------------------------------------------------------------------------------

COLUMNS = [("name", "Name"), ("amount", "Amount"), ("on", "Date")]
DANGEROUS = ['=HYPERLINK("http://x")', "+51 999", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_csv_has_bom_and_neutralises_formulas():
    rows = [{"name": value, "amount": -5, "on": dt.date(2024, 3, 1)} for value in DANGEROUS]
    data = write_csv(rows, COLUMNS)
    assert data.startswith(b"\xef\xbb\xbf")
    records = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert records[0] == ["Name", "Amount", "Date"]
    for record, value in zip(records[1:], DANGEROUS, strict=True):
        assert record[0] == "'" + value
        assert record[1] == "-5"  # numbers stay numbers, even negative ones
        assert record[2] == "2024-03-01"


def test_csv_keeps_safe_text_and_accents():
    data = write_csv([{"name": "Ñahui", "amount": 1.5, "on": None}], COLUMNS)
    assert data.decode("utf-8-sig").splitlines()[1] == "Ñahui,1.5,"


def test_csv_round_trips_neutralised_values():
    rows = [{"name": value.strip(), "amount": 1, "on": None} for value in DANGEROUS[:4]]
    table = read_table(write_csv(rows, COLUMNS), "export.csv")
    assert [r.get("name") for r in table.rows] == [r["name"] for r in rows]


def test_xlsx_neutralises_formulas_and_keeps_types():
    rows = [{"name": value, "amount": 3, "on": dt.date(2024, 3, 1)} for value in DANGEROUS]
    rows.append({"name": "01234567", "amount": 2.5, "on": None})
    data = write_xlsx(rows, COLUMNS, "Lista: [comunidades]/2024")
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    assert sheet.title == "Lista   comunidades  2024"
    assert [c.value for c in sheet[1]] == ["Name", "Amount", "Date"]
    for index, value in enumerate(DANGEROUS, start=2):
        cell = sheet.cell(row=index, column=1)
        assert cell.data_type == "s"  # never a formula
        # Some XML parsers turn a carriage return into a line feed (defusedxml keeps it);
        # what matters is the apostrophe in front.
        assert cell.value in ("'" + value, "'" + value.replace("\r", "\n"))
        assert sheet.cell(row=index, column=2).value == 3
        assert sheet.cell(row=index, column=3).value == dt.datetime(2024, 3, 1)
    last = len(DANGEROUS) + 2
    assert sheet.cell(row=last, column=1).value == "01234567"  # a code stays text
    assert sheet.cell(row=last, column=2).value == 2.5


def test_xlsx_strips_characters_xml_cannot_hold():
    data = write_xlsx([{"name": "a\x01b\x1fc"}], [("name", "Name")], "x")
    assert load_workbook(io.BytesIO(data)).active["A2"].value == "abc"


def test_xlsx_round_trips_through_read_table():
    rows = [
        {"name": "=1+1", "amount": 3500, "on": dt.date(1980, 5, 17)},
        {"name": "Ñahui", "amount": -13.52, "on": None},
    ]
    data = write_xlsx(rows, [("name", "name"), ("amount", "amount"), ("on", "on")], "t")
    table = read_table(data, "export.xlsx")
    assert table.rows[0].values == {"name": "=1+1", "amount": "3500", "on": "1980-05-17"}
    assert table.rows[1].values == {"name": "Ñahui", "amount": "-13.52", "on": ""}
