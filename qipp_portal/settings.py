"""The one settings module. Everything that varies between machines comes from the environment.

Debug is off unless DJANGO_DEBUG turns it on, and with it off DJANGO_SECRET_KEY is required (`make run`
and the tests set DJANGO_DEBUG=true). Without DATABASE_URL the portal runs on the embedded default, a
SQLite file in the project folder; without a broker Celery tasks run eagerly in-process. DATABASE_URL
switches to PostgreSQL; REDIS_URL (or CELERY_BROKER_URL) switches to a real broker and separate workers.
"""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from qipp_portal.env import env_bool, env_int, env_list, env_schedule, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent

# Off unless asked for: the debug page shows settings and code to whoever meets an error. `make run`
# and the tests turn it on (Makefile, tests/pytest_environment.py).
DEBUG = env_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    SECRET_KEY = "insecure-local-development-key-never-use-in-production"  # noqa: S105
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# HTTPS only when deployed (debug off); a developer's `make run` serves plain HTTP on 127.0.0.1.
# Behind a proxy that ends TLS (nginx, a load balancer), DJANGO_TRUST_X_FORWARDED_PROTO=true lets Django
# see the request was HTTPS; only turn it on if the proxy always sets (or strips) X-Forwarded-Proto.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # the container health check asks over plain HTTP inside the host
if env_bool("DJANGO_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A year, subdomains included, preload: what NHS services on nhs.uk already are (the domain is preloaded).
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Sessions end after 30 minutes without a request and, whatever the activity, after a working day
# (governance.middleware.SessionLifetimeMiddleware, which renews the idle expiry every few minutes rather
# than saving the session on every request): an unlocked office PC does not stay signed in to finance data.
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_MAX_SECONDS = env_int("DJANGO_SESSION_MAX_SECONDS", 10 * 60 * 60)

# Content-Security-Policy (django-csp): everything from our own origin, nothing inline. No page has an inline
# script, style or on* handler (tests/unit/test_deployment.py); plotly.js's rules are a file
# (dashboards/charts/stylesheet.py); Swagger UI's are too (templates/drf_spectacular/). img-src allows data: URLs,
# which Swagger UI's and nhsuk-frontend's icons are. No frames of us anywhere (clickjacking; X-Frame-Options too),
# no plugins, no <base> elsewhere, forms post only to us.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    },
}
# Permissions-Policy (governance.middleware.PermissionsPolicyMiddleware): the browser features the portal never
# uses are off for it and anything it might embed. Only features browsers know: an unknown one is a console error.
PERMISSIONS_POLICY = ("accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
                      "magnetometer", "microphone", "midi", "payment", "usb", "xr-spatial-tracking")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",  # unused: its tokens moved, hashed, to governance.ApiToken (migration 0011)
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI for /api/docs/ from our own static files, never a CDN
    "simple_history",
    "axes",
    "csp",
    "governance",
    "schemes",
    "risks",
    "finance",
    # On top of the apps (DEVELOPERS.md): the pages that read several of them, the demo data, the benchmark.
    "dashboards",
    "demo",
    "benchmarks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "governance.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who, from where and through what every write of the request is recorded as (governance/audit.py).
    "governance.audit.AuditMiddleware",
    # A database that cannot be reached: 503 "Service unavailable" (first to read the session and user).
    "governance.middleware.ServiceUnavailableMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "governance.middleware.SessionLifetimeMiddleware",
    "governance.middleware.PasswordChangeRequiredMiddleware",
    "governance.middleware.WorkingContextMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Login throttling: after 5 wrong passwords for one username from one address, that pair is refused for
# 15 minutes, with the same words whether or not the account exists (no account enumeration). A right
# password resets the count. The admin's sign-in is throttled the same way.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_ENABLED = env_bool("QIPP_LOGIN_THROTTLING", True)
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Its admin pages list every organisation's sign-in attempts to any staff member: not registered (the admin
# is scoped by organisation; tests/unit/test_admin_scoping.py). `manage.py axes_reset_username USER` unlocks.
AXES_ENABLE_ADMIN = False

ROOT_URLCONF = "qipp_portal.urls"
WSGI_APPLICATION = "qipp_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "governance.context_processors.working_context",
            ],
        },
    },
]
# Django's form renderer with its select and input widgets written in Python, the same HTML (governance.forms).
FORM_RENDERER = "governance.forms.rendering.PortalFormRenderer"

# SQLite ignores select_for_update, so on the embedded database every transaction takes the write
# lock as it begins (BEGIN IMMEDIATE) instead of when it first writes: a second save waits its turn
# (up to `timeout` seconds), then reads what the first one committed and answers 409, as on
# PostgreSQL, never "database is locked". WAL: a page that reads outside a transaction never waits
# for a save, nor a save for it. synchronous=FULL: a save the user was told about survives a power cut.
_SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL",
}

_database_url = env_url("DATABASE_URL", {"postgres", "postgresql", "sqlite"})
if _database_url:
    # Persistent connections (a minute by default; each gunicorn thread keeps its own), checked before reuse so a
    # restarted database costs no request an error.
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
                                                  conn_health_checks=True)}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(BASE_DIR / "db.sqlite3")}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {**_SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The header's main menu, in order: (text, URL name). The project names it, not governance (whose template
# tag draws it), because it links pages of apps above governance (DEVELOPERS.md, "Apps depend one way").
# Every name must reverse: a wrong one is an error on every page (tests/unit/test_navigation.py).
PORTAL_NAVIGATION = [
    ("Home", "home"),
    ("Dashboard", "dashboard"),
    ("Schemes", "schemes:register"),
    ("Tracker", "schemes:tracker"),
    ("RAG panel", "schemes:rag-panel"),
    ("Risks", "risks:register"),
    ("Financial risks", "finance:financial-risks"),
    ("Budgets", "finance:budgets"),
    ("Activity", "finance:activity"),
    ("Month-end reports", "finance:variance-reports"),
    ("Improvement plan", "plan"),
    ("Meetings", "meetings"),
    ("Imports", "imports"),
    ("Months", "months"),
]
# Items only users of more than one organisation get: (text, URL name, the text of the item they follow).
PORTAL_NAVIGATION_SEVERAL_ORGANISATIONS = [
    ("Portfolio", "portfolio", "Dashboard"),
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# plotly.js is served from the plotly wheel's own copy (static/vendor/plotly/plotly.min.js), never a CDN: it stays
# the version the Python package was built with, and 4.6 MB is not copied into the repository. The wheel is found
# without importing plotly (slow to import).
_PLOTLY = Path(importlib.util.find_spec("plotly").origin or "").parent  # type: ignore[union-attr]
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/plotly", _PLOTLY / "package_data")]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Deployed, WhiteNoise serves what collectstatic gathered under content-hashed names (cached for a year,
# compressed); a developer's server and the tests serve the files as they are, with no collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG
                    else "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Celery: eager in-process unless a broker is configured.
CELERY_BROKER_URL = env_url("CELERY_BROKER_URL", {"redis", "rediss", "memory"}) or env_url(
    "REDIS_URL", {"redis", "rediss"}
)
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
if CELERY_BROKER_URL is None:
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "qipp")
# How long Redis waits before handing an unacknowledged task (its worker died) to another worker. It must
# be longer than the longest job, or a slow job runs twice at once; the integration tests shorten it.
_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _VISIBILITY_TIMEOUT,
    # Workers look for abandoned tasks about ten times per timeout (kombu's default: every 100 seconds).
    "unacked_restore_interval": max(1, min(10, _VISIBILITY_TIMEOUT // 10)),
    "unacked_restore_throttle": 1 if _VISIBILITY_TIMEOUT < 100 else 10,
    # A broker that is down must not hold a request (docs/adr/0007): connecting gives up after half a second,
    # a reply overdue by 3 seconds drops the connection (longer than the workers' 1-second BRPOP).
    "socket_connect_timeout": 0.5,
    "socket_timeout": 3,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 0.5
# A save's task is tried three times over 0.4 seconds (about 2 seconds if every connection attempt times out),
# then left in the outbox (governance.OutboxMessage) for the sweep below: the save itself has committed.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# The beat schedule (`celery -A qipp_portal beat`), in TIME_ZONE: the nightly recompute of every organisation,
# then the sweep that produces the report of every closed month that has none. Each is only a queueing task:
# the work itself runs on a worker and is recorded as a job run administrators can read.
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "nightly-recompute": {
        "task": "schemes.tasks.queue_nightly_recompute",
        "schedule": env_schedule("QIPP_NIGHTLY_RECOMPUTE_SCHEDULE", "30 1 * * *"),
    },
    # Every minute: send the tasks that saves left in the outbox while the broker was down.
    "outbox-sweep": {
        "task": "governance.tasks.send_outbox",
        "schedule": env_schedule("QIPP_OUTBOX_SWEEP_SCHEDULE", "* * * * *"),
    },
    "month-end-report-sweep": {
        "task": "finance.tasks.queue_due_month_end_reports",
        "schedule": env_schedule("QIPP_MONTH_END_REPORT_SWEEP_SCHEDULE", "30 2 * * *"),
    },
}
# How old a task left in the outbox must be before the sweep sends it: younger ones may still be on their way from
# the save that wrote them (the integration tests shorten it).
OUTBOX_SWEEP_AFTER_SECONDS = env_int("QIPP_OUTBOX_SWEEP_AFTER_SECONDS", 30)
# Integration tests only: seconds a month-end report waits inside its transaction, so a test can kill the
# worker mid-report and see that nothing half-written is left (0, the default, never waits).
MONTH_END_REPORT_TEST_PAUSE = env_int("QIPP_MONTH_END_REPORT_TEST_PAUSE", 0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "governance.authentication.HashedTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "qipp_portal.api_pagination.DescribedPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    # One error body for every endpoint: {"code", "detail", "errors"}; a stale write is 409 with "current".
    "EXCEPTION_HANDLER": "governance.api.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "QIPP portal API",
    "DESCRIPTION": (
        "The QIPP portal's API: schemes and their records, risks, financial risks, the improvement plan, meetings "
        "and imports, scoped to your organisations. Money is in pounds, as exact decimal strings. Errors have one "
        "body: {code, detail, errors}; a stale write is 409 Conflict with the record as it is now."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Every operation's refusals (403, 404, a list's 400) with the one error body: qipp_portal/api_schema.py.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "qipp_portal.api_schema.document_refusals"],
    # One schema name for each choice set several fields share (the RAG words, the stages).
    # Every field called `rag` or `kind` gets its own set's name: two sets under one name would make the schema
    # describe one with the other's values (the property test caught the plan's RAG replacing the panel's).
    "ENUM_NAME_OVERRIDES": {
        "RagEnum": "schemes.models.Rag", "StageEnum": "schemes.models.Stage",
        "ActionRagEnum": "governance.models.ActionRag", "ActionStatusEnum": "governance.models.ActionStatus",
        "BudgetLineKindEnum": "finance.models.BudgetLineKind",
        "FinancialRiskKindEnum": "finance.models.FinancialRiskKind",
        "ReportRowKindEnum": "finance.models.ReportRowKind", "ImportKindEnum": "governance.models.ImportKind",
    },
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
