"""Fixtures for browser tests: Playwright driving Debian's chromium.

Never uses a Playwright-downloaded browser (`playwright install` is not run);
chromium comes from apt via scripts/install-chromium.sh.

Typical test::

    def test_home(live_server, page):
        page.goto(live_server.url + "/")
        expect(page.locator("h1")).to_contain_text("at a glance")
        violations = axe_violations(page)          # from tests/browser/axe.py
        assert not violations, format_violations(violations)

Every step waits for the state it asserts: `expect(...)` (which retries until DEFAULT_TIMEOUT_MS) for
what the page shows, `page.wait_for_url` after a click or key press that navigates, `page.expect_response`
for a status code. Never read `page.url`, `inner_text()`, `input_value()` or `is_visible()` straight
after an action: on a busy machine the browser may not have got there yet.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

# Playwright's sync API runs an asyncio event loop in the test thread; without
# this Django's ORM (used by live_server tests and fixtures) raises
# SynchronousOnlyOperation there.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
MISSING_CHROMIUM = "Browser tests need Debian's chromium: run scripts/install-chromium.sh (apt-get install chromium)"
VIEWPORT = {"width": 1280, "height": 900}
# Generous, so a loaded machine is slow rather than failing; a test that passes waits only as long as it must.
DEFAULT_TIMEOUT_MS = 20_000
expect.set_options(timeout=DEFAULT_TIMEOUT_MS)

BROWSER_TESTS_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    # This hook sees every collected item, not only those below this folder.
    for item in items:
        path = Path(str(item.path)).resolve()
        if path == BROWSER_TESTS_DIR or BROWSER_TESTS_DIR in path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(MISSING_CHROMIUM, pytrace=False)
        pytest.skip(MISSING_CHROMIUM)

    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_page(chromium_browser):
    """Open a page in a browser context of its own (its own cookies: another person); all closed afterwards."""
    contexts = []

    def open_page():
        context = chromium_browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    try:
        yield open_page
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def page(new_page):
    return new_page()
