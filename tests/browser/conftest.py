"""Fixtures for browser tests: Playwright driving Debian's chromium.

Never uses a Playwright-downloaded browser (`playwright install` is not run);
chromium comes from apt via scripts/install-chromium.sh.

Typical test::

    def test_home(live_server, page):
        page.goto(live_server.url + "/")
        violations = axe_violations(page)          # from tests/browser/axe.py
        assert not violations, format_violations(violations)
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
DEFAULT_TIMEOUT_MS = 10_000

BROWSER_TESTS_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    # This hook sees every collected item, not only those below this folder.
    for item in items:
        path = Path(str(item.path)).resolve()
        if path == BROWSER_TESTS_DIR or BROWSER_TESTS_DIR in path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _unhashed_static_files(settings):
    """Serve static files under their plain names in browser tests.

    live_server serves /static/ from the staticfiles finders (source names),
    but ManifestStaticFilesStorage makes {% static %} emit hashed names that
    only exist after collectstatic, so every CSS/JS request would 404.
    """
    storages = dict(settings.STORAGES)
    storages["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    settings.STORAGES = storages


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
def page(chromium_browser):
    context = chromium_browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    page.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        yield page
    finally:
        page.close()
        context.close()
