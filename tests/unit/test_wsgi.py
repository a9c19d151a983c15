"""The production entry point (gunicorn qipp_portal.wsgi:application, see the Dockerfile) serves pages."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from wsgiref.util import setup_testing_defaults

import pytest


@pytest.mark.django_db
def test_the_wsgi_application_serves_the_sign_in_page_and_sends_strangers_there():
    from qipp_portal.wsgi import application

    def get(path: str) -> tuple[str, dict[str, str], bytes]:
        environ: dict[str, object] = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "HTTP_HOST": "testserver",
                                      "wsgi.input": BytesIO()}
        setup_testing_defaults(environ)
        answer: dict[str, str] = {}
        sent: dict[str, str] = {}

        def start_response(status: str, headers: list[tuple[str, str]],
                           exc_info: object = None) -> Callable[[bytes], object]:
            answer["status"] = status
            sent.update(headers)
            return lambda data: None  # WSGI's write(), which Django never calls

        body = b"".join(application(environ, start_response))
        return answer["status"], sent, body

    status, headers, body = get("/accounts/login/")
    assert status == "200 OK" and b'id="id_username"' in body
    status, headers, _ = get("/schemes/")
    assert status == "302 Found" and headers["Location"].startswith("/accounts/login/")
