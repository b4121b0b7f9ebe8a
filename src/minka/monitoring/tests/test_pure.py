"""The pure arithmetic: asset totals, return per sol, the asset index, diff-in-diff, charts,
boundary parsing."""

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minka.monitoring import charts, geojson, impact, returns


def test_asset_total_rounds_half_even_to_the_minor_unit():
    assert returns.asset_total(9200, 2_250_000) == 20_700_000  # 9.2 ha × S/ 22,500
    assert returns.asset_total(1500, 1) == 2  # 1.5 → 2
    assert returns.asset_total(2500, 1) == 2  # 2.5 → 2 (half-even)
    with pytest.raises(ValueError):
        returns.asset_total(-1, 100)


def test_munapucro_returns_about_three_soles_per_sol():
    components = [
        returns.Component("Terrazas", 0, returns.asset_total(9200, 2_250_000)),
        returns.Component("Corrales", 0, returns.asset_total(70_000, 45_000)),
        returns.Component("Viviendas mejoradas", 0, returns.asset_total(1000, 18_500_000)),
    ]
    result = returns.return_per_sol(components, 13_330_000, communities=1)
    assert result.created_minor == 42_350_000
    assert result.ratio == Decimal("3.18")
    assert [c.item for c in result.components][0] == "Terrazas"  # largest first


def test_return_per_sol_merges_items_and_subtracts_before():
    result = returns.return_per_sol(
        [
            returns.Component("Pastos", 1000, 5000),
            returns.Component("Pastos", 0, 1000),
            returns.Component("Cuyes", 500, 400),
        ],
        2000,
    )
    assert {c.item: c.created_minor for c in result.components} == {"Pastos": 5000, "Cuyes": -100}
    assert result.created_minor == 4900
    assert result.ratio == Decimal("2.45")


def test_return_without_spending_is_none_not_zero():
    assert returns.return_per_sol([returns.Component("x", 0, 10)], 0).ratio is None
    assert returns.percent(1, 0) is None
    assert returns.percent(1, 3) == Decimal("33.3")


@given(
    st.lists(
        st.tuples(st.sampled_from("abc"), st.integers(0, 10**9), st.integers(0, 10**9)),
        max_size=12,
    ),
    st.integers(1, 10**9),
)
def test_return_is_created_over_spending(items, spending):
    result = returns.return_per_sol((returns.Component(*i) for i in items), spending)
    created = sum(after - before for _item, before, after in items)
    assert result.created_minor == created
    assert result.ratio == (Decimal(created) / spending).quantize(Decimal("0.01"))


@given(
    st.lists(
        st.tuples(
            st.integers(1, 50),
            st.sampled_from(["030101", "030201", "080101"]),
            st.integers(0, 10**6),
            st.integers(0, 10**6),
            st.integers(0, 10**6),
        ),
        max_size=20,
    )
)
def test_folding_by_territory_preserves_totals(rows):
    items = [returns.CommunityAssets(*row) for row in rows]
    folded = returns.fold_returns(items, 2)
    assert sum(r.created_minor for r in folded.values()) == sum(r[3] - r[2] for r in rows)
    assert sum(r.spending_minor for r in folded.values()) == sum(r[4] for r in rows)
    assert sum(r.communities for r in folded.values()) == len(rows)


def test_asset_index_weighs_and_caps_items():
    assert impact.asset_index({"radio": 1, "television": 1}) == Decimal("3.000")
    assert impact.asset_index({"radio": 5}) == Decimal("1.000")  # capped at one
    assert impact.asset_index({"cattle": 30}) == Decimal("14.000")  # 20 × 0.7
    assert impact.asset_index({"unknown": 9}) == Decimal("0.000")
    with pytest.raises(ValueError):
        impact.asset_index({"radio": -1})


@given(st.dictionaries(st.sampled_from(impact.ASSET_ITEMS), st.integers(0, 500)))
def test_asset_index_never_decreases_when_a_household_gains_an_asset(counts):
    base = impact.asset_index(counts)
    for item in impact.ASSET_ITEMS:
        more = dict(counts)
        more[item] = more.get(item, 0) + 1
        assert impact.asset_index(more) >= base


def test_diff_in_diff():
    participants = impact.Change(Decimal("1000"), Decimal("1640"))
    comparison = impact.Change(Decimal("1000"), Decimal("1100"))
    assert participants.percent == Decimal("64.0")
    assert impact.diff_in_diff(participants, comparison) == Decimal("540")
    assert impact.diff_in_diff(participants, impact.Change(None, Decimal(1))) is None
    assert impact.mean(10, 0) is None
    assert impact.mean(10, 4) == Decimal("2.50")


def test_charts_escape_labels_and_scale_bars():
    svg = charts.bar_chart([("<script>", 10), ("b", 5)], title="T & t")
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg and "T &amp; t" in svg
    assert 'width="280"' in svg and 'width="140"' in svg  # the longest fills the room
    assert charts.bar_chart([], title="empty").startswith("<svg")
    columns = charts.column_chart(
        [("a", [1, 2]), ("b", [0, 4])], categories=["2024", "2025"], title="x"
    )
    assert columns.count("<rect") == 2 + 4  # legend + columns
    assert "50 %" in charts.share_bar([("W", 1), ("M", 1)], title="s")


def test_geojson_parse_detects_levels_and_rounds():
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"FIRST_IDDP": "03", "NOMBDEP": "APURIMAC"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [[-72.123456, -13.5], [-72.0, -13.0], [-72.5, -13.2], [-72.123456, -13.5]]
                    ],
                },
            },
            {
                "type": "Feature",
                "properties": {"FIRST_IDPR": "0302", "NOMBPROV": "ANDAHUAYLAS"},
                "geometry": {"type": "MultiPolygon", "coordinates": []},
            },
        ],
    }
    outlines = geojson.parse(json.dumps(collection).encode())
    assert [(o.level, o.code, o.name) for o in outlines] == [
        (1, "03", "Apurimac"),
        (2, "0302", "Andahuaylas"),
    ]
    assert "-72.1235" in outlines[0].geometry
    with pytest.raises(geojson.BoundaryError):
        geojson.parse(b"not json")
    bad = {
        "type": "FeatureCollection",
        "features": [{"properties": {}, "geometry": {"type": "Point"}}],
    }
    with pytest.raises(geojson.BoundaryError) as info:
        geojson.parse(json.dumps(bad).encode())
    assert info.value.feature == 1
