"""Strict readers for environment variables.

Settings come only from the environment. A value we cannot understand stops the process
at start-up with a message naming the variable: a typo must never silently fall back
to a default (e.g. DJANGO_DEBUG=ture leaving debug on in production).
"""

from __future__ import annotations

import os
from typing import overload
from urllib.parse import urlparse

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@overload
def env_str(name: str, default: str) -> str: ...
@overload
def env_str(name: str, default: None = None) -> str | None: ...
def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip()


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no/on/off, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name: str, schemes: set[str]) -> str | None:
    value = env_str(name)
    if value is None:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not (parsed.hostname or parsed.path):
        allowed = ", ".join(sorted(schemes))
        raise ImproperlyConfigured(f"{name} must be a URL starting with one of {allowed}://, not {value!r}")
    return value


def env_schedule(name: str, default: str) -> crontab | float:
    """A beat schedule: five crontab fields ("30 2 * * *", in TIME_ZONE) or a number of seconds ("5").

    Seconds exist for the integration tests, which cannot wait for 02:30.
    """
    value = env_str(name, default)
    try:
        if value.replace(".", "", 1).isdigit():
            seconds = float(value)
            if seconds <= 0:
                raise ValueError(value)
            return seconds
        minute, hour, day_of_month, month_of_year, day_of_week = value.split()
        return crontab(minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year,
                       day_of_week=day_of_week)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be five crontab fields such as '30 2 * * *', or a number of seconds, not {value!r}"
        ) from None
