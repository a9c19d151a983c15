"""Environment for every test run, loaded by pytest before Django reads its settings.

pyproject.toml loads this module with `-p tests.pytest_environment` (a conftest.py would be too late:
pytest-django imports the settings before any conftest). The settings default to DJANGO_DEBUG off,
which requires a real DJANGO_SECRET_KEY; tests run as a developer's machine does, with debug on and
the development key. (pytest-django still runs each test with settings.DEBUG False, as Django's own
test runner does; the integration layer's Celery worker inherits this environment.)
"""

from __future__ import annotations

import os

os.environ["DJANGO_DEBUG"] = "true"
# Login throttling (django-axes) needs the request at authenticate(), which Django's test Client.login does
# not pass; tests/unit/test_login_throttling.py turns it back on and signs in through the page.
os.environ.setdefault("QIPP_LOGIN_THROTTLING", "false")
