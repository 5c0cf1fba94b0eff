"""The execution page (the report renderer of report.html, in the chrome) and a feature's history."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import quote

import httpx
from sqlalchemy import select

from modelwatch.service.dashboard.reports import SUMMARY_FOLDER, Reports
from modelwatch.service.server import summarise_finished_executions
from modelwatch.service.store import Execution, Store, open_store

from .conftest import page
from .dom import parse
from .seeding import DRIFTING, HOURLY, Seeded


def test_the_execution_page_shows_what_report_html_shows(client: httpx.Client, seeded: Seeded) -> None:
    """Same renderer: every feature's facts and drift gauge match the report `analyze` wrote."""
    html = client.get(f"/executions/{seeded.drifted}").text
    main = parse(html).one("main", data_testid="page-execution")
    report = (seeded.data_dir / "demo" / "reports" / "2026-11-29T11" / "report.html").read_text()
    facts = re.compile(r'<dl class="mw-facts">.*?</dl>')
    assert facts.findall(html) == facts.findall(report)
    notes = re.compile(r'<aside class="mw-notes">.*?</aside>')
    assert notes.findall(html) == notes.findall(report)
    assert "skipped: 1 × not JSON" in main.one("aside").text, "the malformed line of the drifted hour"
    history_link = re.compile(r'<a class="mw-history-link".*?</a>')
    features = re.compile(r'<section class="mw-feature.*?</section>')
    assert features.findall(history_link.sub("", html)) == features.findall(report)
    sections = main.all("section", data_testid="feature")
    assert len(sections) == len(parse(report).all("section", data_testid="feature")) == 70
    table = main.one("table", data_testid="violations-table")
    rows = table.one("tbody").all("tr")
    assert sorted(row.all("td")[0].text for row in rows) == seeded.drifted_violations
    links = {row.one("a").get("href") for row in rows}
    assert f"#feature-{quote(DRIFTING)}" in links
    violating = {s.get("data-feature") for s in sections if s.get("data-violating") == "true"}
    assert sorted(violating) == seeded.drifted_violations
    day = main.one("section", data_feature=DRIFTING)
    assert day.get("id") == f"feature-{DRIFTING}"
    chart = day.one("svg", data_testid="distribution-chart")
    assert [g.get("data-series") for g in chart.all("g") if g.get("data-series")] == ["baseline", "current"]
    assert main.one("input", data_testid="only-violating").get("type") == "checkbox"
    assert main.one("a", data_testid="back-to-overview").get("href") == "/"
    history = day.one("a", data_testid="feature-history").get("href")
    assert history == f"/schedules/{HOURLY}/features/Day%20Mins"


def test_a_failed_execution_says_why_and_shows_the_baseline(client: httpx.Client, seeded: Seeded) -> None:
    main = page(client, f"/executions/{seeded.failed}").one("main", data_testid="page-execution")
    assert "no captured data between" in main.text
    assert "No checks ran." in main.text
    assert not main.all("table", data_testid="violations-table")
    charts = main.all("svg", data_testid="distribution-chart")
    assert charts
    assert all(
        [g.get("data-series") for g in c.all("g") if g.get("data-series")] == ["baseline"] for c in charts
    )


def test_an_execution_whose_report_is_gone_says_so(client: httpx.Client, seeded: Seeded) -> None:
    main = page(client, f"/executions/{seeded.gone}").one("main", data_testid="page-execution")
    assert "The report of this execution is no longer available" in main.text
    assert "not profiled" in main.text


def test_unknown_executions_are_404_pages(client: httpx.Client) -> None:
    for path in ("/executions/99999", f"/executions/{2**63}"):
        page(client, path, 404).one("main", data_testid="page-not-found")
    assert client.get("/executions/abc").status_code == 422


def test_a_feature_history_charts_drift_against_threshold_completeness_and_mean(
    client: httpx.Client, seeded: Seeded
) -> None:
    main = page(client, f"/schedules/{HOURLY}/features/Day%20Mins").one(
        "main", data_testid="page-feature-history"
    )
    charts = {svg.get("data-testid"): svg for svg in main.all("svg") if svg.get("data-testid")}
    assert set(charts) == {"history-chart-drift", "history-chart-completeness", "history-chart-mean"}

    def series(name: str) -> list[str | None]:
        return [g.get("data-series") for g in charts[name].all("g") if g.get("data-series")]

    assert series("history-chart-drift") == ["drift", "threshold"]
    assert series("history-chart-completeness") == ["completeness"]
    assert series("history-chart-mean") == ["mean"]
    drift = charts["history-chart-drift"].one("g", data_series="drift")
    assert len(drift.all("circle")) == 3, "one point per finished execution"
    assert drift.all("circle")[0].get("class") == "mw-point mw-unknown", "the gone report"
    threshold = charts["history-chart-drift"].one("g", data_series="threshold")
    assert len(threshold.all("polyline")) == 1
    links = [a.get("href") for a in drift.all("a")]
    assert links[-1] == f"/executions/{seeded.drifted}#feature-Day%20Mins"
    rows = main.one("table", data_testid="history-table").one("tbody").all("tr")
    assert [cell.text for cell in rows[0].all("td")][2:5] == ["0.4589", "0.1", "100%"]
    assert rows[0].all("td")[-1].text == "baseline_drift_check"


def test_assets_ship_with_the_package_and_cache_for_a_year(client: httpx.Client) -> None:
    html = client.get("/").text
    assert "http://" not in html
    assert "https://" not in html
    urls = re.findall(r'(?:href|src)="(/assets/[^"]+)"', html)
    assert {url.split("?")[0] for url in urls} == {
        "/assets/report.css",
        "/assets/dashboard.css",
        "/assets/report.js",
        "/assets/dashboard.js",
        "/assets/favicon.svg",
    }
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200
        assert "immutable" in response.headers["cache-control"]
        name = url.split("?")[0].rsplit("/", 1)[1]
        source = Path(__file__).parents[3] / "src" / "modelwatch" / "ui" / "assets" / name
        assert response.text == source.read_text(encoding="utf-8")
        again = client.get(url, headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304
    assert client.get("/assets/../pyproject.toml").status_code == 404
    assert client.get("/assets/nothing.js").status_code == 404


def test_the_icon_is_linked_from_every_page_and_answers_favicon_ico(client: httpx.Client) -> None:
    html = client.get("/").text
    linked = re.search(r'<link rel="icon" type="image/svg\+xml" href="(/assets/favicon\.svg\?v=\w+)">', html)
    assert linked is not None, "the page links to its icon"
    icon = client.get(linked.group(1))
    assert icon.headers["content-type"] == "image/svg+xml"
    assert icon.text.startswith("<svg ")
    legacy = client.get("/favicon.ico")
    assert legacy.status_code == 200
    assert legacy.content == icon.content
    assert legacy.headers["content-type"] == "image/svg+xml"
    assert "immutable" not in legacy.headers["cache-control"], "its URL has no digest: a new icon must show"


def test_each_execution_is_summarised_once_into_the_data_directory(seeded: Seeded) -> None:
    """The history reads a few numbers per feature, kept on disk; a fresh server reads them back."""
    store = open_store(None, seeded.data_dir)
    try:
        with store.session() as session:
            execution = session.get(Execution, seeded.drifted)
        assert execution is not None
        summary = Reports(seeded.data_dir).summary(execution)
        kept = list((seeded.data_dir / SUMMARY_FOLDER).glob("*.json"))
        assert kept
        again = Reports(seeded.data_dir).summary(execution)
    finally:
        store.close()
    assert again == summary
    drifting = summary.get(DRIFTING)
    assert drifting is not None
    assert drifting.mean is not None
    assert drifting.mean > 200, "the drifted hour's Day Mins are shifted by 90"
    assert drifting.drift is not None
    assert drifting.drift > 0.1
    assert drifting.completeness == 1.0
    assert {name for name, row in summary.rows.items() if row[3]} == set(seeded.drifted_violations)


def test_a_starting_server_summarises_the_executions_that_finished_before_it(
    seeded_store: tuple[Store, Seeded],
) -> None:
    """After the start-up pass, no execution's history needs its report read again."""
    store, seeded = seeded_store
    shutil.rmtree(seeded.data_dir / SUMMARY_FOLDER, ignore_errors=True)
    summarise_finished_executions(store, Reports(seeded.data_dir))
    kept = sorted((seeded.data_dir / SUMMARY_FOLDER).glob("*.json"))
    assert kept
    with store.session() as session:
        executions = session.scalars(select(Execution)).all()
    assert len(executions) >= 4
    fresh = Reports(seeded.data_dir)
    for execution in executions:
        fresh.summary(execution)
    assert sorted((seeded.data_dir / SUMMARY_FOLDER).glob("*.json")) == kept
