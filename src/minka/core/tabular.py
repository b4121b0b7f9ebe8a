"""Reading and writing tables: CSV and XLSX files as people make them in Excel or LibreOffice.

Reading is strict about what a file is (a PNG renamed .csv is refused, not imported as garbage)
and lenient about how people save it (UTF-8 with or without BOM, Windows-1252/Latin-1, UTF-16
"Unicode text", `,` `;` or tab delimiters). Writing neutralises formula injection, so an exported
name such as `=HYPERLINK(...)` can never run as a formula when a colleague opens the file.

Pure functions over bytes: no database.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from minka.core.errors import DomainError

# One import file may hold a programme's whole roster; beyond this the upload should be split
# by district (the importer validates everything in memory before writing).
MAX_ROWS = 200_000
# An XLSX is a zip: refuse archives that claim to inflate beyond this (zip bombs).
MAX_XLSX_UNCOMPRESSED_BYTES = 400 * 1024 * 1024

CSV_EXTENSIONS = (".csv", ".txt", ".tsv")
XLSX_EXTENSIONS = (".xlsx", ".xlsm")
DELIMITERS = (",", ";", "\t")
# A text cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Signatures of files people upload by mistake, so the refusal can say what the file is.
_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"%PDF", "PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "XLS"),  # OLE2: Excel 97-2003 and old Word files
    (b"Rar!", "RAR"),
    (b"\x1f\x8b", "GZIP"),
    (b"7z\xbc\xaf", "7Z"),
)
_ZIP_SIGNATURE = b"PK\x03\x04"
_ILLEGAL_XML_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class TableRow:
    """One data row: `number` is the row as the user sees it in the file (the header is row 1)."""

    number: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class Table:
    """A parsed table: normalised column names, the names as written, and the non-blank rows."""

    columns: list[str]
    headers: dict[str, str]  # normalised name -> header as written in the file
    rows: list[TableRow] = field(default_factory=list)
    file_format: str = "csv"  # "csv" or "xlsx"
    encoding: str | None = None  # of a CSV file


def normalise_header(name: str) -> str:
    """Lower-case ASCII words joined by underscores ("  Fecha de Nacimiento* " becomes
    "fecha_de_nacimiento"), so headers match however people type them."""
    decomposed = unicodedata.normalize("NFKD", name.strip().lower())
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]+", "_", ascii_text).strip("_")


def _check_size(data: bytes) -> None:
    limit = settings.MINKA_IMPORT_MAX_BYTES
    if len(data) > limit:
        raise DomainError(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": f"{len(data) / 1_048_576:.1f}", "limit": f"{limit / 1_048_576:.1f}"},
            code="too_large",
        )


def _binary_kind(data: bytes) -> str | None:
    for signature, kind in _BINARY_SIGNATURES:
        if data.startswith(signature):
            return kind
    return None


def _unknown_type(filename: str) -> DomainError:
    return DomainError(
        _("“%(name)s” is not a CSV or Excel (.xlsx) file.") % {"name": filename},
        code="file_type",
    )


def _old_excel() -> DomainError:
    return DomainError(
        _("Old Excel 97-2003 (.xls) files cannot be read: save the file as .xlsx or CSV."),
        code="file_type",
    )


def read_table(
    data: bytes, filename: str, *, code_columns: Mapping[str, int] | None = None
) -> Table:
    """Parse a CSV or XLSX upload into a `Table`.

    `code_columns` maps normalised column names to a width: in XLSX, a number typed into such a
    column (a DNI or UBIGEO that Excel turned into a number, dropping its leading zeros) is
    zero-padded back to that width. Raises `DomainError` for anything that is not a readable
    table."""
    _check_size(data)
    name = filename.lower()
    if name.endswith(".xls"):
        raise _old_excel()
    is_xlsx_name = name.endswith(XLSX_EXTENSIONS)
    if not (is_xlsx_name or name.endswith(CSV_EXTENSIONS)):
        raise _unknown_type(filename)
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise DomainError(_("The file is empty."), code="empty")
    kind = _binary_kind(data)
    if kind == "XLS":
        raise _old_excel()
    if kind is not None:
        raise _unknown_type(filename)
    if data.startswith(_ZIP_SIGNATURE):
        # Decided by content, not name: an .xlsx saved under a .csv name still reads correctly,
        # and any other zip is refused below.
        return _read_xlsx(data, filename, code_columns or {})
    if is_xlsx_name:
        raise DomainError(
            _("“%(name)s” is not a valid Excel (.xlsx) file.") % {"name": filename},
            code="file_type",
        )
    return _read_csv(data, filename)


# --- CSV --------------------------------------------------------------------------------------


def _decode(data: bytes, filename: str) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise _unknown_type(filename) from exc
    # UTF-8 first: a Latin-1 accent is never a valid UTF-8 sequence in ordinary text, so a
    # failure here reliably means a legacy Windows (1252) or Latin-1 file.
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise _unknown_type(filename)  # unreachable: latin-1 decodes every byte


def _looks_binary(text: str) -> bool:
    """Control characters other than tab, newlines and form feed never occur in a real CSV."""
    return "\x00" in text or any(
        unicodedata.category(c) == "Cc" and c not in "\t\r\n\x0c" for c in text[:65536]
    )


def _sniff_delimiter(text: str) -> str:
    """The delimiter of the header line: the most frequent of `,` `;` and tab outside quotes.
    Spanish-locale Excel saves CSV with `;` because `,` is its decimal separator."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in first_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties keep the earlier, i.e. ","
    return best if counts[best] else ","


def _read_csv(data: bytes, filename: str) -> Table:
    text, encoding = _decode(data, filename)
    if _looks_binary(text):
        raise _unknown_type(filename)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    try:
        return _build_table(iter(reader), file_format="csv", encoding=encoding)
    except csv.Error as exc:
        raise DomainError(
            _("The CSV file could not be read near row %(row)d: %(error)s")
            % {"row": reader.line_num, "error": exc},
            code="unreadable",
        ) from exc


# --- XLSX -------------------------------------------------------------------------------------


def _cell_text(value: Any, pad_to: int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        if isinstance(value, float | Decimal) and math.isfinite(value) and value == int(value):
            value = int(value)
        text = str(value)
        if pad_to and isinstance(value, int) and value >= 0:
            text = text.zfill(pad_to)
        return text
    return str(value)


def _read_xlsx(data: bytes, filename: str, code_columns: Mapping[str, int]) -> Table:
    from openpyxl import load_workbook

    unreadable = DomainError(
        _("“%(name)s” is not a valid Excel (.xlsx) file.") % {"name": filename},
        code="file_type",
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise unreadable from exc
    if "xl/workbook.xml" not in names:
        raise unreadable
    if inflated > MAX_XLSX_UNCOMPRESSED_BYTES:
        raise DomainError(
            _("The Excel file is too large once uncompressed; split it into smaller files."),
            code="too_large",
        )
    try:
        # data_only: the values Excel last computed, never the formulas themselves.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise unreadable from exc
    try:
        if not workbook.worksheets:
            raise DomainError(_("The file is empty."), code="empty")
        sheet = workbook.worksheets[0]
        widths: list[int | None] = []

        def records() -> Iterator[list[str]]:
            for index, row in enumerate(sheet.iter_rows(values_only=True)):
                if index == 0:
                    header = [_cell_text(v, None) for v in row]
                    widths.extend(code_columns.get(normalise_header(h)) for h in header)
                    yield header
                    continue
                yield [
                    _cell_text(v, widths[i] if i < len(widths) else None) for i, v in enumerate(row)
                ]

        try:
            return _build_table(records(), file_format="xlsx", encoding=None)
        except DomainError:
            raise
        except Exception as exc:  # a damaged sheet fails while streaming
            raise unreadable from exc
    finally:
        workbook.close()


# --- shared -----------------------------------------------------------------------------------


def _unescape(value: str) -> str:
    """Undo `_neutralise`: "'=x" read back is "=x", so export -> import round-trips."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_TRIGGERS:
        return value[1:]
    return value


def _column_label(index: int) -> str:
    """Spreadsheet column letters: 0 -> A, 26 -> AA."""
    label = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        label = chr(65 + remainder) + label
    return label


def _build_table(records: Iterator[list[str]], *, file_format: str, encoding: str | None) -> Table:
    header = next(records, None)
    if header is None:
        raise DomainError(_("The file is empty."), code="empty")
    raw_headers = [str(h).strip() for h in header]
    if not any(raw_headers):
        raise DomainError(
            _("The first row must hold the column names; it is empty."), code="no_header"
        )
    columns: list[str | None] = []
    headers: dict[str, str] = {}
    for raw in raw_headers:
        name = normalise_header(raw)
        if not name:
            columns.append(None)  # an unnamed column is allowed only while it stays empty
            continue
        if name in headers:
            raise DomainError(
                _("The column “%(column)s” appears twice in the first row.") % {"column": raw},
                code="duplicate_header",
            )
        headers[name] = raw
        columns.append(name)

    named = [c for c in columns if c is not None]
    rows: list[TableRow] = []
    for number, record in enumerate(records, start=2):
        cells = [_unescape(str(v).strip()) for v in record]
        if not any(cells):
            continue  # blank lines are skipped but still counted, so numbers match the file
        if len(rows) >= MAX_ROWS:
            raise DomainError(
                _("The file has more than %(limit)s rows; split it into smaller files.")
                % {"limit": f"{MAX_ROWS:,}"},
                code="too_many_rows",
            )
        values = dict.fromkeys(named, "")
        for index, cell in enumerate(cells):
            column = columns[index] if index < len(columns) else None
            if column is not None:
                values[column] = cell
            elif cell:
                raise DomainError(
                    _(
                        "Row %(row)d has a value in column %(column)s, which has no name in the "
                        "first row."
                    )
                    % {"row": number, "column": _column_label(index)},
                    code="unnamed_column",
                )
        rows.append(TableRow(number=number, values=values))
    if not rows:
        raise DomainError(_("The file has column names but no data rows."), code="empty")
    return Table(
        columns=named,
        headers=headers,
        rows=rows,
        file_format=file_format,
        encoding=encoding,
    )


# --- writing ----------------------------------------------------------------------------------


def _neutralise(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if _is_number(value):
        return str(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return _neutralise(str(value))


def write_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[tuple[str, str]]) -> bytes:
    """CSV in UTF-8 with a BOM (so Excel shows accents), one column per (key, header label)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_neutralise(str(label)) for _key, label in columns])
    for row in rows:
        writer.writerow([_csv_cell(row.get(key)) for key, _label in columns])
    return buffer.getvalue().encode("utf-8-sig")


def _sheet_title(title: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", str(title)).strip().strip("'")
    return (cleaned or "Sheet")[:31]


def write_xlsx(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[tuple[str, str]],
    sheet_title: str,
) -> bytes:
    """One-sheet XLSX with a bold, frozen header row. Text stays text (codes keep their zeros),
    numbers stay numbers, dates are real dates."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(sheet_title))
    sheet.freeze_panes = "A2"
    for index, (_key, label) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(label) + 4))
    bold = Font(bold=True)
    header = []
    for _key, label in columns:
        cell = WriteOnlyCell(sheet, value=_xlsx_text(str(label)))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        values: list[Any] = []
        for key, _label in columns:
            value = row.get(key)
            if value is None or _is_number(value):
                values.append(value)
            elif isinstance(value, dt.datetime | dt.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = (
                    "yyyy-mm-dd hh:mm" if isinstance(value, dt.datetime) else "yyyy-mm-dd"
                )
                values.append(cell)
            elif isinstance(value, bool):
                values.append(value)
            else:
                values.append(_xlsx_text(str(value)))
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_text(text: str) -> str:
    # openpyxl stores a string starting with "=" as a formula; the apostrophe prevents that too.
    return _neutralise(_ILLEGAL_XML_CHARS.sub("", text))
