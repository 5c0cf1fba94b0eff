"""The baseline explorer: the statistics as a sortable table, the constraints, odd names escaped."""

from __future__ import annotations

import json

import httpx

from modelwatch.documents import read_statistics

from .conftest import page
from .seeding import HOSTILE, Seeded


def test_the_baselines_page_lists_each_with_its_schedules(client: httpx.Client) -> None:
    main = page(client, "/baselines").one("main", data_testid="page-baselines")
    rows = {row.get("data-baseline"): row for row in main.all("tr", data_testid="baseline-row")}
    assert set(rows) == {"churn-training", "odd-names"}
    assert "churn-daily, churn-hourly, churn-idle" in rows["churn-training"].text


def test_a_baseline_shows_every_feature_sortably_and_its_constraints(
    client: httpx.Client, seeded: Seeded
) -> None:
    main = page(client, "/baselines/churn-training").one("main", data_testid="page-baseline")
    table = main.one("table", data_testid="baseline-statistics")
    headers = table.one("thead").all("th")
    assert all(header.get("data-sort") in ("text", "number") for header in headers)
    assert len(headers) == 10
    statistics = read_statistics(str(seeded.data_dir / "demo" / "baseline" / "statistics.json"))
    rows = table.one("tbody").all("tr")
    assert [row.get("data-feature") for row in rows] == [feature.name for feature in statistics.features]
    day = next(row for row in rows if row.get("data-feature") == "Day Mins")
    mean = day.all("td")[4].get("data-value")
    assert float(mean or "nan") == statistics.feature("Day Mins").numerical.mean  # type: ignore[union-attr]
    constraints = main.one(data_testid="baseline-constraints")
    assert len(constraints.one("tbody").all("tr")) == len(statistics.features)
    assert "comparison_threshold" in constraints.one("pre").text


def test_odd_feature_names_are_escaped_everywhere(client: httpx.Client) -> None:
    html = client.get("/baselines/odd-names").text
    assert HOSTILE not in html
    assert "&lt;b&gt;&quot;odd&quot; &amp; &#x27;name&#x27;&lt;/b&gt;" in html
    main = page(client, "/baselines/odd-names").one("main", data_testid="page-baseline")
    names = [
        row.get("data-feature") for row in main.one("table", data_testid="baseline-statistics").all("tr")
    ]
    assert HOSTILE in names
    assert not main.all("b"), "no markup from a feature name"


def test_unknown_baselines_are_404_pages(client: httpx.Client) -> None:
    page(client, "/baselines/nope", 404).one("main", data_testid="page-not-found")


def test_a_baseline_whose_documents_are_unreadable_says_so(client: httpx.Client, seeded: Seeded) -> None:
    broken = seeded.data_dir / "broken-statistics.json"
    broken.write_text("{not json")
    body = {"name": "broken", "statistics_uri": str(broken), "constraints_uri": str(broken)}
    client.post("/api/v1/baselines", json=body).raise_for_status()
    try:
        main = page(client, "/baselines/broken").one("main", data_testid="page-baseline")
        message = main.one(data_testid="message").text
        assert message.startswith(f"{broken}: ")
        assert "\n" not in message
        assert json.dumps("broken")[1:-1] in main.text
    finally:
        client.delete("/api/v1/baselines/broken").raise_for_status()
