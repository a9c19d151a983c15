"""The security headers every response carries (issue 12): a content-security policy without 'unsafe-inline',
the Permissions-Policy, HSTS when deployed; on the pages, the API docs and the admin alike."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings

from dashboards.charts.stylesheet import MAPS_STYLESHEET, STYLESHEET, maps_stylesheet, plotly_js, plotly_stylesheet
from governance.models import Role
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def _assert_strict(response) -> None:
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    permissions = response.headers["Permissions-Policy"]
    assert "camera=()" in permissions and "geolocation=()" in permissions and "microphone=()" in permissions


@pytest.fixture
def viewer_client() -> Client:
    client = Client()
    client.force_login(member(OrganisationFactory(), Role.VIEWER))
    return client


@pytest.mark.parametrize("url", ["/", "/dashboard/", "/schemes/", "/risks/", "/accounts/password/", "/api/docs/",
                                 "/api/v1/schemes/"])
def test_a_signed_in_users_pages_api_and_api_docs_carry_the_strict_policy(viewer_client, url) -> None:
    response = viewer_client.get(url)
    assert response.status_code == 200, url
    _assert_strict(response)


def test_the_sign_in_page_the_admin_and_a_refusal_carry_it_too(client) -> None:
    _assert_strict(client.get("/accounts/login/"))
    _assert_strict(client.get("/admin/login/"))
    _assert_strict(client.get("/schemes/"))  # the redirect to sign in
    client.force_login(User.objects.create_superuser("root", "root@example.org", "Root-pass-2013!"))
    response = client.get("/admin/")
    assert response.status_code == 200
    _assert_strict(response)
    response = client.get("/admin/governance/organisation/")
    assert response.status_code == 200
    _assert_strict(response)


def test_the_api_docs_page_has_no_inline_style(viewer_client) -> None:
    html = viewer_client.get("/api/docs/").content.decode()
    assert "<style" not in html and " style=" not in html
    assert "/static/css/swagger.css" in html and 'id="swagger-ui"' in html


@override_settings(SECURE_HSTS_SECONDS=31_536_000, SECURE_SSL_REDIRECT=False)
def test_hsts_is_sent_over_https_with_subdomains_and_preload(client) -> None:
    response = client.get("/accounts/login/", secure=True)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_the_dashboard_links_plotlys_rules_as_a_file_so_plotly_injects_no_style(viewer_client) -> None:
    html = viewer_client.get("/dashboard/").content.decode()
    link = re.search(r'<link id="plotly\.js-style-global" class="no-inline-styles"[^>]*>', html)
    assert link and 'href="/static/css/plotly.css"' in link.group(0)
    maps_id, _ = maps_stylesheet(plotly_js())  # maplibre-gl's style, added unless an element has its id
    assert re.search(rf'<link id="{maps_id}" rel="stylesheet" href="/static/css/plotly-maps.css">', html)


def test_the_plotly_stylesheet_is_the_served_plotly_js_own_rules() -> None:
    """After a plotly upgrade: `.venv/bin/python -m dashboards.charts.stylesheet` writes the file again."""
    expected = plotly_stylesheet(plotly_js())
    assert ".js-plotly-plot .plotly .main-svg {" in expected and ".plotly-notifier {" in expected
    assert STYLESHEET.read_text(encoding="utf-8") == expected
    _, maps = maps_stylesheet(plotly_js())
    assert ".maplibregl-map{" in maps and MAPS_STYLESHEET.read_text(encoding="utf-8") == maps


def test_the_stylesheet_reader_refuses_a_script_without_the_rules() -> None:
    with pytest.raises(ValueError):
        plotly_stylesheet("/* plotly.js v9 */ var a = {};")
    with pytest.raises(ValueError):
        maps_stylesheet("/* plotly.js v9 */ var a = {};")
