from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture
def bexley_workbook() -> Path:
    return FIXTURES / "bexley_2013_14_appendix1.xlsx"


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (the Celery recompute, eager in tests) as a real commit would."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Tests create many users: a deliberately slow hasher would be most of the suite's time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(django_capture_on_commit_callbacks, settings) -> None:
    """The demo data (the four seed papers), loaded with its recomputes run as a real commit would run them."""
    from django.core.management import call_command

    settings.DEBUG = True  # load_demo refuses to run without it
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", verbosity=0)
