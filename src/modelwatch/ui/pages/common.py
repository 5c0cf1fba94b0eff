"""Pieces several pages share: tables, a disabled-with-reason button, a message page."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from modelwatch.ui.layout import Viewer, page
from modelwatch.ui.pages.records import ExecutionRow
from modelwatch.ui.status import status_badge
from modelwatch.ui.text import esc, number, slash_breaks, timestamp, window_html


def execution_href(execution_id: int) -> str:
    return f"/executions/{execution_id}"


def execution_link(execution: ExecutionRow) -> str:
    """The execution's window, linking to its page."""
    text = window_html(execution.window_start, execution.window_end)
    return f'<a href="{execution_href(execution.id)}">{text}</a>'


def data_table(
    titles: Sequence[str], rows: str, *, numeric: Collection[str] = (), attributes: str = ""
) -> str:
    """A table in its scrolling wrapper: a header cell per title (the `numeric` ones aligned right), the
    `rows` given as HTML, and `attributes` (e.g. a data-testid) on the table element."""
    numeric_class = ' class="mw-num"'
    head = "".join(
        f'<th scope="col"{numeric_class if title in numeric else ""}>{title}</th>' for title in titles
    )
    return (
        f'<div class="mw-table-wrap"><table class="mw-table"{attributes}>'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
    )


def executions_table(executions: list[ExecutionRow], with_schedule: bool = False) -> str:
    if not executions:
        return '<p class="mw-none" data-testid="empty">No executions yet.</p>'
    head = ["Window", "Status", "Violations", "Message", "Finished"]
    head = ["Schedule", *head] if with_schedule else head
    rows = []
    for execution in executions:
        cells = [
            f"<td>{execution_link(execution)}</td>",
            f"<td>{status_badge(execution.status)}</td>",
            f'<td class="mw-num">{number(execution.violation_count)}</td>',
            f'<td><span class="mw-clip">{slash_breaks(execution.message or "")}</span></td>',
            f'<td class="mw-nobr">{esc(timestamp(execution.ended_at))}</td>',
        ]
        if with_schedule:
            name = esc(execution.schedule)
            cells.insert(0, f'<td><a href="/schedules/{name}">{name}</a></td>')
        rows.append(f'<tr data-testid="execution-row" data-execution="{execution.id}">{"".join(cells)}</tr>')
    return data_table(head, "".join(rows), numeric={"Violations"}, attributes=' data-testid="executions"')


def action_button(label: str, testid: str, viewer: Viewer, reason: str | None = None, **data: str) -> str:
    """A button the dashboard's script wires to the API; disabled, with `title` saying why, when the viewer
    may not write or when `reason` says it does not apply."""
    why = viewer.refusal() or reason
    attributes = "".join(f' data-{key.replace("_", "-")}="{esc(value)}"' for key, value in data.items())
    state = f' disabled title="{esc(why)}"' if why else ""
    return (
        f'<button type="button" class="mw-button" data-testid="{testid}"{attributes}{state}>{label}</button>'
    )


def form_feedback() -> str:
    """Where the script puts the API's answer: an error (its one-line message) or a confirmation."""
    return (
        '<p class="mw-form-error" data-testid="form-error" role="alert" hidden></p>'
        '<p class="mw-form-message" data-testid="form-message" role="status" hidden></p>'
    )


def message_page(name: str, title: str, text: str, viewer: Viewer) -> str:
    """A page that only says something: not found, nothing to show, a document that cannot be read."""
    body = f'<h1>{esc(title)}</h1><p class="mw-message" data-testid="message">{esc(text)}</p>'
    body += '<p><a href="/" data-testid="back-to-overview">Back to the overview</a></p>'
    return page(name, title, body, viewer)
