"""Reading the dashboard's DOM through the hooks of its contract (data-testid, data-series)."""

from __future__ import annotations

import re

from playwright.sync_api import Locator

POINTS = """series => {
    const shapes = series.matches('circle, rect') ? [series] : [...series.querySelectorAll('circle, rect')];
    return shapes.length;
}"""


def points(series: Locator) -> int:
    """The marks of one `data-series` element: its circles or bars (a line series draws one per value)."""
    count: int = series.evaluate(POINTS)
    return count


def series_names(chart: Locator) -> list[str]:
    names: list[str] = chart.locator("[data-series]").evaluate_all(
        "elements => elements.map(element => element.getAttribute('data-series'))"
    )
    return names


def hrefs(links: Locator) -> list[str]:
    found: list[str] = links.evaluate_all("links => links.map(link => link.getAttribute('href'))")
    return found


def column_texts(table: Locator, index: int) -> list[str]:
    """The text of the `index`-th cell of every body row."""
    texts: list[str] = table.locator("tbody tr").evaluate_all(
        "(rows, index) => rows.map(row => row.cells[index].textContent.trim())", index
    )
    return texts


def status_text(status: str) -> re.Pattern[str]:
    """The API's status as a page may word it: "Completed with violations" for `CompletedWithViolations`."""
    return re.compile(r"\s*".join(re.findall(r"[A-Z][a-z]*", status)), re.IGNORECASE)
