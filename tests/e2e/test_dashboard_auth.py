"""The dashboard on a server with tokens: sign in with a token, and the page does what its role may.

A viewer (a read token) sees the schedule form and the start / stop / run-now buttons disabled with a title
saying why; an operator (an admin token) uses them. Without a token, pages send the browser to /login.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from modelwatch.client import Client

from .browser import Tab
from .conftest import ADMIN_TOKEN, GROUP, READ_TOKEN, AuthServer
from .dom import status_text
from .seeding import wait_for_status

pytestmark = GROUP
WRITES = ("start", "stop", "run-now")


def sign_in(tab: Tab, token: str) -> Page:
    page = tab.open("/login")
    expect(page.locator('main[data-testid="page-login"]')).to_be_visible()
    page.locator('main[data-testid="page-login"] input[name="token"]').fill(token)
    page.locator('main[data-testid="page-login"] [type="submit"]').click()
    expect(page.locator('main[data-testid="page-login"]')).to_have_count(0)
    return page


def test_without_a_token_a_page_sends_to_the_login_page(auth_tab: Tab) -> None:
    page = auth_tab.open("/schedules")
    expect(page.locator('main[data-testid="page-login"]')).to_be_visible()
    expect(page.locator('[data-testid="schedule-form"]')).to_have_count(0)


def test_an_unknown_token_is_refused_on_the_login_page(auth_tab: Tab) -> None:
    page = auth_tab.open("/login")
    page.locator('input[name="token"]').fill("not-a-token")
    auth_tab.expect_refusal(401, "/login")
    page.locator('main[data-testid="page-login"] [type="submit"]').click()
    expect(page.locator('main[data-testid="page-login"] [data-testid="form-error"]')).to_be_visible()


def test_a_viewer_sees_the_form_and_buttons_disabled_with_the_reason(
    auth_tab: Tab, auth_server: AuthServer
) -> None:
    page = sign_in(auth_tab, READ_TOKEN)
    page.goto(auth_tab.origin + "/schedules")
    submit = page.locator('form[data-testid="schedule-form"] [type="submit"]')
    expect(submit).to_be_disabled()
    expect(submit).to_have_attribute("title", re.compile(r"\S"))
    page.goto(auth_tab.origin + f"/schedules/{auth_server.schedule}")
    expect(page.locator('main[data-testid="page-schedule"]')).to_be_visible()
    for action in WRITES:
        button = page.locator(f'[data-testid="{action}"]')
        expect(button).to_be_disabled()
        expect(button).to_have_attribute("title", re.compile(r"\S"))


def test_an_operator_stops_and_starts_a_schedule(auth_tab: Tab, auth_server: AuthServer) -> None:
    page = sign_in(auth_tab, ADMIN_TOKEN)
    page.goto(auth_tab.origin + f"/schedules/{auth_server.schedule}")
    status = page.locator('main [data-testid="schedule-status"]').first
    with Client(auth_server.url, ADMIN_TOKEN) as operator:
        for action, now in (("stop", "Stopped"), ("start", "Scheduled")):
            page.locator(f'[data-testid="{action}"]').click()
            wait_for_status(operator, auth_server.schedule, now)
            expect(status).to_have_text(status_text(now))
            page.wait_for_load_state()  # the reloaded page's script is ready for the next click
    expect(page.locator('[data-testid="form-error"]')).to_be_hidden()
