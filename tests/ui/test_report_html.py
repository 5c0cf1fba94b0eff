"""The execution report: self-contained, every feature in order with its chart, violations, escaping."""

from __future__ import annotations

import dataclasses
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote, unquote

import numpy as np
import pyarrow as pa
import pytest
from html_tree import by_class, has_class, parse_fragment, parse_page, series, text_of
from report_inputs import (
    BASELINE_ORDER,
    CURRENT_ONLY,
    HOSTILE,
    UNICODE,
    baseline_columns,
    check_results,
    current_columns,
    profile,
    profiled,
    report_data,
)

from modelwatch.checks import run_checks
from modelwatch.formats.statistics import Statistics
from modelwatch.profiling.document import to_statistics
from modelwatch.suggest import suggest_constraints
from modelwatch.ui.report import ReportData, render_execution, render_report_page, report_css, report_js

SAGEMAKER_STATISTICS = Path(__file__).parents[1] / "fixtures" / "sagemaker" / "statistics.json"


@pytest.fixture(scope="module")
def data() -> ReportData:
    return report_data()


@pytest.fixture(scope="module")
def page(data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> str:
    html = render_report_page(data)
    (tmp_path_factory.mktemp("report") / "report.html").write_text(html, encoding="utf-8")
    return html


@pytest.fixture(scope="module")
def root(data: ReportData) -> ET.Element:
    return parse_fragment(render_execution(data))


def cards(root: ET.Element) -> list[ET.Element]:
    return by_class(root, "section", "mw-feature")


def card_named(root: ET.Element, name: str) -> ET.Element:
    return next(card for card in cards(root) if text_of(card.find(".//h4")) == name)  # type: ignore[arg-type]


def test_the_page_references_nothing_outside_itself(page: str) -> None:
    parsed = parse_page(page)
    assert "http://" not in page
    assert "https://" not in page
    links = [
        value
        for _, attributes in parsed.tags
        for key, value in attributes.items()
        if key in ("src", "href", "xlink:href", "action", "srcset", "poster")
    ]
    assert links
    assert all(str(value).startswith("#") for value in links)
    assert not [tag for tag, _ in parsed.tags if tag in ("link", "img", "iframe", "object", "embed")]
    styles = "".join(parsed.raw["style"])
    assert "@import" not in styles
    assert "url(" not in styles
    assert "@font-face" not in styles
    assert styles.strip() == report_css().strip()
    assert "".join(parsed.raw["script"]).strip() == report_js().strip()


def test_features_appear_in_baseline_order_then_extra_columns(root: ET.Element) -> None:
    names = [text_of(card.find(".//h4")) for card in cards(root)]  # type: ignore[arg-type]
    assert names == [*BASELINE_ORDER, CURRENT_ONLY]
    assert [card.get("id") for card in cards(root)] == [f"feature-{name}" for name in names]
    assert [card.get("data-feature") for card in cards(root)] == names


@pytest.mark.parametrize(
    ("name", "sides", "kind"),
    [
        ("age", ["baseline", "current"], "numeric"),
        ("income", ["baseline", "current"], "numeric"),
        ("plan", ["baseline", "current"], "categorical"),
        ("tenure", ["baseline"], "numeric"),
        (HOSTILE, ["baseline", "current"], "numeric"),
        (UNICODE, ["baseline", "current"], "numeric"),
        (CURRENT_ONLY, ["current"], "categorical"),
    ],
)
def test_each_feature_has_one_chart_with_a_series_per_side(
    root: ET.Element, name: str, sides: list[str], kind: str
) -> None:
    charts = list(card_named(root, name).iter("svg"))
    assert len(charts) == 1
    chart = charts[0]
    assert series(chart) == sides
    legend = by_class(chart, "g", "mw-legend")[0]
    assert [text_of(label) for label in legend.iter("text")] == sides
    groups = {group.get("data-series"): group for group in chart.iter("g") if group.get("data-series")}
    if kind == "numeric" and "current" in groups:
        assert len(list(groups["current"].iter("path"))) == 1, "current is a step outline"
    if kind == "numeric" and "baseline" in groups:
        assert len(list(groups["baseline"].iter("rect"))) > 1, "baseline is bars"
    if kind == "categorical":
        assert all(len(list(group.iter("rect"))) >= 2 for group in groups.values())


def test_missing_and_extra_columns_are_labelled(root: ET.Element) -> None:
    def types(name: str) -> str:
        return text_of(by_class(card_named(root, name), "span", "mw-types")[0])

    assert types("tenure") == "Integral not in current data"
    assert types(CURRENT_ONLY) == "not in baseline String"
    assert types("income") == "Fractional"


def test_categorical_chart_labels_include_a_new_category(root: ET.Element) -> None:
    chart = next(card_named(root, "plan").iter("svg"))
    labels = [text.findtext("title") for text in by_class(chart, "text", "mw-label")]
    assert {"basic", "plus", "enterprise"} <= set(labels)


def test_the_violations_table_lists_every_violation(root: ET.Element, data: ReportData) -> None:
    table = by_class(root, "table", "mw-violations")[0]
    rows = [
        [text_of(cell) for cell in row.iter("td")] for row in table.iter("tr") if row.find("td") is not None
    ]
    assert data.results is not None
    assert rows == [[v.feature_name, v.constraint_check_type, v.description] for v in data.results.violations]
    ids = {card.get("id") for card in cards(root)}
    targets = [link.get("href", "") for link in table.iter("a")]
    assert len(targets) == len(rows)
    assert all(unquote(target.removeprefix("#")) in ids for target in targets)
    assert f"#feature-{quote(HOSTILE, safe='')}" in targets


def test_violating_features_are_marked_for_the_filter(root: ET.Element) -> None:
    marked = {text_of(card.find(".//h4")): card.get("data-violations") for card in cards(root)}  # type: ignore[arg-type]
    assert marked == {
        "age": "1",
        "income": "1",
        "plan": "1",
        "tenure": "1",
        HOSTILE: "1",
        UNICODE: "0",
        CURRENT_ONLY: "1",
    }
    assert card_named(root, UNICODE).get("data-violating") == "false"
    assert card_named(root, "income").get("data-violating") == "true"
    assert not has_class(card_named(root, UNICODE), "mw-violating")
    assert has_class(card_named(root, "income"), "mw-violating")
    toolbar = by_class(root, "div", "mw-toolbar")[0]
    assert toolbar.get("hidden") == "", "shown by the script only"
    assert by_class(toolbar, "input", "mw-only-violating")[0].get("type") == "checkbox"


def test_header_gives_status_window_and_counts(root: ET.Element) -> None:
    header = by_class(root, "header", "mw-report-head")[0]
    assert text_of(by_class(header, "span", "mw-badge")[0]).strip() == "⚠ Completed with violations"
    facts = dict(
        zip((text_of(t) for t in header.iter("dt")), (text_of(d) for d in header.iter("dd")), strict=True)
    )
    assert facts["Window"] == "2026-11-29 10:00 – 11:00 UTC"
    assert facts["Input"].startswith("file:///data/capture/")
    counts = [" ".join(text_of(item).split()) for item in by_class(header, "ul", "mw-counts")[0]]
    assert counts == ["7 features", "6 violations", "6 violating features", "3,000 rows (baseline 5,000)"]
    assert "00-00-000-a.jsonl:17 <bad>" in text_of(by_class(root, "aside", "mw-notes")[0])


def test_drift_gauges_say_which_side_of_the_threshold(root: ET.Element) -> None:
    def gauge(name: str) -> tuple[str, bool]:
        element = by_class(card_named(root, name), "span", "mw-gauge")[0]
        return str(element.get("aria-label")), has_class(element, "mw-over")

    assert gauge("income") == ("0.4511 > threshold 0.1", True)
    assert gauge(UNICODE) == ("0.02 ≤ threshold 0.1", False)
    assert gauge("plan") == ("p = 0.0001 < threshold 0.05", True), "χ² distances are p-values"
    assert not by_class(card_named(root, "tenure"), "span", "mw-gauge"), "no distance, no gauge"


def test_domain_match_and_check_notes_are_shown(root: ET.Element) -> None:
    facts = by_class(card_named(root, "plan"), "dl", "mw-facts")[0]
    terms = [text_of(term) for term in facts.iter("dt")]
    values = [text_of(value) for value in facts.iter("dd")]
    assert values[terms.index("In baseline domain")] == "70.0%"
    notes = by_class(card_named(root, UNICODE), "ul", "mw-feature-notes")[0]
    assert [text_of(note) for note in notes] == ["<note> & more"]


def test_hostile_names_and_texts_are_escaped(page: str, root: ET.Element) -> None:
    assert "<script>alert" not in page
    parsed = parse_page(page)
    assert [tag for tag, _ in parsed.tags].count("script") == 1
    text = "".join(parsed.text)
    assert HOSTILE in text
    assert UNICODE in text
    assert 'exceeds "threshold" <0.1>' in text
    card = card_named(root, HOSTILE)
    assert card.get("data-name") == HOSTILE.casefold()


def test_a_failed_execution_renders_the_baseline_alone() -> None:
    data = report_data(
        status="Failed", message="No capture files between 10:00 and 11:00.", current=None, results=None
    )
    root = parse_fragment(render_execution(data))
    assert root.get("data-status") == "Failed"
    assert text_of(by_class(root, "span", "mw-badge")[0]).strip() == "✕ Failed"
    assert "No capture files between 10:00 and 11:00." in text_of(root)
    assert [text_of(card.find(".//h4")) for card in cards(root)] == BASELINE_ORDER  # type: ignore[arg-type]
    assert all(series(chart) == ["baseline"] for chart in root.iter("svg"))
    assert text_of(by_class(card_named(root, "tenure"), "span", "mw-types")[0]) == "Integral"
    assert len(list(root.iter("svg"))) == len(BASELINE_ORDER)
    assert "No checks ran." in text_of(root)
    assert not by_class(root, "table", "mw-violations")
    parse_page(render_report_page(data))


def test_a_sagemaker_baseline_without_our_sketch_still_charts() -> None:
    baseline = Statistics.from_dict(json.loads(SAGEMAKER_STATISTICS.read_text()))
    for feature in baseline.features:
        if feature.numerical is not None:
            feature.numerical = dataclasses.replace(feature.numerical, sketch=None)
    data = report_data(baseline=baseline, current=baseline, results=None, status="Completed", notes=[])
    root = parse_fragment(render_execution(data))
    names = [feature.name for feature in baseline.features]
    assert [text_of(card.find(".//h4")) for card in cards(root)] == names  # type: ignore[arg-type]
    charted = [card for card in cards(root) if card.find(".//svg") is not None]
    assert charted
    assert all(series(next(card.iter("svg"))) == ["baseline", "current"] for card in charted)
    assert "No violations." not in text_of(root)
    assert "No checks ran." in text_of(root)


def test_a_clean_execution_says_no_violations() -> None:
    results = check_results()
    clean = dataclasses.replace(
        results,
        violations=[],
        features=[dataclasses.replace(feature, violations=[]) for feature in results.features],
    )
    root = parse_fragment(render_execution(report_data(status="Completed", results=clean)))
    assert text_of(by_class(root, "p", "mw-none")[0]) == "No violations."
    assert all(card.get("data-violations") == "0" for card in cards(root))
    assert re.fullmatch(r"✓ Completed", text_of(by_class(root, "span", "mw-badge")[0]).strip())


def test_results_of_the_real_checks_render_feature_by_feature() -> None:
    baseline, current = profiled(baseline_columns()), profiled(current_columns())
    baseline_statistics = to_statistics(baseline)
    results = run_checks(baseline_statistics, suggest_constraints(baseline), current)
    data = report_data(baseline=baseline_statistics, current=to_statistics(current), results=results)
    root = parse_fragment(render_execution(data))
    names = [text_of(card.find(".//h4")) for card in cards(root)]  # type: ignore[arg-type]
    assert names == [feature.name for feature in results.features]
    assert [card.get("data-violations") for card in cards(root)] == [
        str(len(feature.violations)) for feature in results.features
    ]
    table = by_class(root, "table", "mw-violations")[0]
    assert len(table.findall("./tbody/tr")) == len(results.violations) > 0
    gauges = [bool(by_class(card, "span", "mw-gauge")) for card in cards(root)]
    assert gauges == [feature.distance is not None for feature in results.features]


def test_a_type_change_charts_the_side_that_has_numbers_and_says_why() -> None:
    baseline = profile({"zip": pa.array([10115, 20095, 80331] * 100)})
    current = profile({"zip": pa.array(["10115", "N/A", "80331"] * 100)})
    root = parse_fragment(render_execution(report_data(baseline=baseline, current=current, results=None)))
    card = card_named(root, "zip")
    assert text_of(by_class(card, "span", "mw-types")[0]) == "Integral → String"
    assert series(next(card.iter("svg"))) == ["baseline"]
    assert text_of(card.find(".//figcaption")) == "current has no numeric values (String)"  # type: ignore[arg-type]


def test_an_empty_window_and_a_column_of_unique_ids_render_without_charts() -> None:
    ids = [f"id-{i}" for i in range(1500)]
    baseline = profile({"id": pa.array(ids), "x": pa.array(np.arange(1500.0))})
    current = profile({"id": pa.array([], pa.string()), "x": pa.array([], pa.float64())})
    root = parse_fragment(render_execution(report_data(baseline=baseline, current=current, results=None)))
    assert not list(card_named(root, "id").iter("svg"))
    assert "too many to keep category counts" in text_of(card_named(root, "id"))
    assert series(next(card_named(root, "x").iter("svg"))) == ["baseline"]
    counts = [" ".join(text_of(item).split()) for item in by_class(root, "ul", "mw-counts")[0]]
    assert counts[-1] == "0 rows (baseline 1,500)"
