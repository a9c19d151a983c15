"""Every URL the portal serves, requested by everyone who might try it (issue 12, "Permission matrix as a test").

The URL resolver is enumerated, so a new URL without an entry in MATRIX fails `test_every_url_has_a_matrix_entry`.
Each URL is requested with GET and with the writes its kind allows (POST for pages; POST, PUT, PATCH and DELETE
for the API), with Shropshire's object ids, by:
- an anonymous visitor;
- a member of Bexley in each role, who must see nothing of Shropshire (names, figures), get no 200 for one of
  its records, and write nothing;
- a member of Shropshire in each role, who must not write where ACTION_ROLES does not give their role the
  URL's action.
Nobody may get a server error. A write is any INSERT, UPDATE or DELETE the request sends to the database (seen
by an execute wrapper), outside the tables that record the visit itself (sessions, sign-in attempts, the audit
log). The admin's per-model URLs are driven, more deeply (history, revert, filters), by test_admin_scoping's
matrix, which fails when a registered model has no row there; the admin's site-wide URLs are driven here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from governance.models import Meeting, Organisation, PlanAction, Role
from governance.permissions import ACTION_ROLES, Action
from governance.scoping import OrganisationScopedQuerySet
from tests.factories import member
from tests.unit.test_admin_scoping import leaks, world  # noqa: F401  (world is a fixture used by name)

pytestmark = pytest.mark.django_db

Rows = dict[type, Any]

# Who may write through a URL: an Action of governance.permissions, ANY_MEMBER (a signed-in person's own things:
# their password, their working organisation), or READ_ONLY (no write at all: POST must change nothing).
ANY_MEMBER = "any signed-in person"
READ_ONLY = "nobody"


@dataclass(frozen=True)
class Entry:
    """How to request one URL name: the row its ids come from, and who may write through it."""

    writes: Action | str = READ_ONLY
    row: Callable[[Rows], Any] | None = None  # the record whose pk fills <pk>
    extra: Callable[[Rows], dict[str, Any]] = field(default=lambda rows: {})
    anonymous: bool = False  # served to visitors who are not signed in (sign-in page, health check)
    query: Callable[[Rows], str] = field(default=lambda rows: "")  # a query string naming Shropshire's records


def rows_of(model_name: str) -> Callable[[Rows], Any]:
    def pick(rows: Rows) -> Any:
        return next(row for model, row in rows.items() if model.__name__ == model_name)

    return pick


def scoped(rows: Rows) -> str:
    """Ask a list for Shropshire by id, as a hand-edited URL would."""
    organisation = rows_of("Organisation")(rows)
    year = rows_of("FinancialYear")(rows)
    return f"?organisation={organisation.pk}&year={year.pk}"


SCHEME = rows_of("Scheme")

MATRIX: dict[str, Entry] = {
    # dashboards and the board pack
    "home": Entry(query=scoped),
    "at-a-glance": Entry(query=scoped),
    "dashboard": Entry(query=scoped),
    "organisation-dashboard": Entry(extra=lambda rows: {"ods_code": rows_of("Organisation")(rows).ods_code,
                                                        "start_year": rows_of("FinancialYear")(rows).start_year}),
    "portfolio": Entry(query=scoped),
    "board-packs": Entry(writes=Action.PRODUCE_BOARD_PACK, query=scoped),
    "board-pack": Entry(row=rows_of("BoardPack")),
    "board-pack-file": Entry(row=rows_of("BoardPack")),
    # governance
    "switch-context": Entry(writes=ANY_MEMBER, query=lambda rows: ""),
    "organisation-switch": Entry(query=lambda rows: f"?q={rows_of('Organisation')(rows).ods_code}"),
    "months": Entry(query=scoped),
    "month-close": Entry(writes=Action.CLOSE_MONTHS, extra=lambda rows: {"month": 2}),
    "month-reopen": Entry(writes=Action.CLOSE_MONTHS, extra=lambda rows: {"month": 1}),
    "plan": Entry(query=scoped),
    "requirement-new": Entry(writes=Action.KEEP_IMPROVEMENT_PLAN),
    "plan-action-new": Entry(writes=Action.KEEP_IMPROVEMENT_PLAN),
    "plan-action": Entry(row=rows_of("PlanAction")),
    "plan-action-edit": Entry(writes=Action.KEEP_IMPROVEMENT_PLAN, row=rows_of("PlanAction")),
    "plan-action-revise": Entry(writes=Action.KEEP_IMPROVEMENT_PLAN, row=rows_of("PlanAction")),
    "plan-updates": Entry(writes=Action.PUBLISH_PLAN_UPDATE, query=scoped),
    "plan-update": Entry(extra=lambda rows: {"month": 6}),
    "meetings": Entry(query=scoped),
    "meeting-new": Entry(writes=Action.RECORD_MEETINGS),
    "meeting": Entry(writes=Action.RECORD_MEETINGS, row=rows_of("Meeting")),  # a decision is added there
    "meeting-edit": Entry(writes=Action.RECORD_MEETINGS, row=rows_of("Meeting")),
    "meeting-history": Entry(row=rows_of("Meeting")),
    "imports": Entry(query=scoped),
    "import": Entry(row=rows_of("ImportRecord")),
    "job-runs": Entry(query=scoped),
    "audit-log": Entry(query=scoped),
    "audit-log-csv": Entry(query=scoped),
    "people": Entry(query=scoped),
    "member-password": Entry(writes=Action.MANAGE_MEMBERS, row=rows_of("User")),
    "health": Entry(anonymous=True),
    # schemes
    "schemes:register": Entry(query=scoped),
    "schemes:detail": Entry(row=SCHEME),
    "schemes:register-csv": Entry(query=scoped),
    "schemes:create": Entry(writes=Action.EDIT_SCHEMES),
    "schemes:import": Entry(writes=Action.EDIT_SCHEMES),
    "schemes:edit": Entry(writes=Action.EDIT_SCHEMES, row=SCHEME),
    "schemes:decision-new": Entry(writes=Action.RECORD_MEETINGS, row=SCHEME),
    "schemes:override": Entry(writes=Action.OVERRIDE_FIGURES, row=SCHEME),
    "schemes:override-clear": Entry(writes=Action.OVERRIDE_FIGURES, row=SCHEME,
                                    extra=lambda rows: {"figure": rows_of("FigureOverride")(rows).figure}),
    "schemes:tracker": Entry(writes=Action.RECORD_PROGRESS, query=scoped),
    "schemes:scheme-tracker": Entry(writes=Action.RECORD_PROGRESS, row=SCHEME),
    "schemes:programme-tracker": Entry(writes=Action.RECORD_PROGRESS, row=rows_of("Programme")),
    "schemes:rag-panel": Entry(query=scoped),
    "schemes:panel-new": Entry(writes=Action.RATE_SCHEMES),
    "schemes:panel-sitting": Entry(writes=Action.RATE_SCHEMES, row=rows_of("PanelSitting")),
    "schemes:director": Entry(writes=Action.ASSESS_DELIVERY, row=SCHEME),
    "schemes:stage": Entry(writes=Action.APPROVE_GATEWAYS, row=SCHEME),
    "schemes:key-stages": Entry(row=SCHEME),
    "schemes:key-stage-add": Entry(writes=Action.EDIT_SCHEMES, row=SCHEME),
    "schemes:key-stage-edit": Entry(writes=Action.EDIT_SCHEMES, row=SCHEME,
                                    extra=lambda rows: {"stage_pk": rows_of("KeyStage")(rows).pk}),
    "schemes:key-stage-remove": Entry(writes=Action.EDIT_SCHEMES, row=SCHEME,
                                      extra=lambda rows: {"stage_pk": rows_of("KeyStage")(rows).pk}),
    "schemes:key-stages-template": Entry(writes=Action.EDIT_SCHEMES, row=SCHEME),
    "schemes:key-stages-timeline": Entry(row=SCHEME),
    # finance
    "finance:financial-plan": Entry(writes=Action.SET_FINANCIAL_PLAN, query=scoped),
    "finance:financial-risks": Entry(writes=Action.KEEP_FINANCIAL_RISKS, query=scoped),
    "finance:financial-risks-month": Entry(writes=Action.KEEP_FINANCIAL_RISKS, row=rows_of("FinancialRiskMonth")),
    "finance:financial-risk-add": Entry(writes=Action.KEEP_FINANCIAL_RISKS, row=rows_of("FinancialRiskMonth")),
    "finance:financial-risk-edit": Entry(writes=Action.KEEP_FINANCIAL_RISKS, row=rows_of("FinancialRisk")),
    "finance:financial-risk-history": Entry(row=rows_of("FinancialRisk")),
    "finance:ledger-import": Entry(writes=Action.KEEP_BUDGETS),
    "finance:budgets": Entry(query=scoped),
    "finance:budget-line-add": Entry(writes=Action.KEEP_BUDGETS),
    "finance:budget-line": Entry(row=rows_of("BudgetLine")),
    "finance:budget-line-edit": Entry(writes=Action.KEEP_BUDGETS, row=rows_of("BudgetLine")),
    "finance:budget-line-history": Entry(row=rows_of("BudgetLine")),
    "finance:budget-month-edit": Entry(writes=Action.KEEP_BUDGETS, row=rows_of("BudgetLine"),
                                       extra=lambda rows: {"month": 1}),
    "finance:activity": Entry(query=scoped),
    "finance:activity-line": Entry(row=rows_of("ActivityLine")),
    "finance:activity-line-edit": Entry(writes=Action.KEEP_BUDGETS, row=rows_of("ActivityLine")),
    "finance:activity-line-history": Entry(row=rows_of("ActivityLine")),
    "finance:activity-month-edit": Entry(writes=Action.KEEP_BUDGETS, row=rows_of("ActivityLine"),
                                         extra=lambda rows: {"month": 1}),
    "finance:variance-reports": Entry(writes=Action.CLOSE_MONTHS, query=scoped),
    "finance:variance-report": Entry(row=rows_of("VarianceReport")),
    # risks
    "risks:register": Entry(query=scoped),
    "risks:heat-map": Entry(query=scoped),
    "risks:create": Entry(writes=Action.RECORD_RISKS),
    "risks:import": Entry(writes=Action.RECORD_RISKS),
    "risks:detail": Entry(row=rows_of("Risk")),
    "risks:edit": Entry(writes=Action.RECORD_RISKS, row=rows_of("Risk")),
    "risks:history": Entry(row=rows_of("Risk")),
    "risks:decision-new": Entry(writes=Action.RECORD_MEETINGS, row=rows_of("Risk")),
    # accounts
    "login": Entry(writes=ANY_MEMBER, anonymous=True),
    "logout": Entry(writes=ANY_MEMBER),
    "password_change": Entry(writes=ANY_MEMBER),
    "password_change_done": Entry(),
    "api-token": Entry(writes=ANY_MEMBER),
    # the API (router names; the format-suffix variants are requested too)
    "api-root": Entry(),
    # The API's description, open to all as published documentation: it holds no organisation's data.
    "api-schema": Entry(anonymous=True),
    "api-docs": Entry(anonymous=True),
    "scheme-list": Entry(writes=Action.EDIT_SCHEMES, query=scoped),
    "scheme-detail": Entry(writes=Action.EDIT_SCHEMES, row=SCHEME),
    "scheme-month-list": Entry(writes=Action.RECORD_PROGRESS, query=scoped),
    "scheme-month-detail": Entry(writes=Action.RECORD_PROGRESS, row=rows_of("SchemeMonth")),
    "rag-sitting-list": Entry(writes=Action.RATE_SCHEMES, query=scoped),
    "rag-sitting-detail": Entry(writes=Action.RATE_SCHEMES, row=rows_of("PanelSitting")),
    "director-assessment-list": Entry(writes=Action.ASSESS_DELIVERY, query=scoped),
    "director-assessment-detail": Entry(writes=Action.ASSESS_DELIVERY, row=rows_of("DirectorAssessment")),
    "override-list": Entry(writes=Action.OVERRIDE_FIGURES, query=scoped),
    "override-detail": Entry(writes=Action.OVERRIDE_FIGURES, row=rows_of("FigureOverride")),
    "override-clear": Entry(writes=Action.OVERRIDE_FIGURES, row=rows_of("FigureOverride")),
    "stage-move-list": Entry(writes=Action.APPROVE_GATEWAYS, query=scoped),
    "stage-move-detail": Entry(writes=Action.APPROVE_GATEWAYS, row=rows_of("StageChange")),
    "key-stage-list": Entry(writes=Action.EDIT_SCHEMES, query=scoped),
    "key-stage-detail": Entry(writes=Action.EDIT_SCHEMES, row=rows_of("KeyStage")),
    "financial-risk-list": Entry(writes=Action.KEEP_FINANCIAL_RISKS, query=scoped),
    "financial-risk-detail": Entry(writes=Action.KEEP_FINANCIAL_RISKS, row=rows_of("FinancialRisk")),
    "financial-risk-month-list": Entry(writes=Action.KEEP_FINANCIAL_RISKS, query=scoped),
    "financial-risk-month-detail": Entry(writes=Action.KEEP_FINANCIAL_RISKS, row=rows_of("FinancialRiskMonth")),
    "budget-line-list": Entry(writes=Action.KEEP_BUDGETS, query=scoped),
    "budget-line-detail": Entry(writes=Action.KEEP_BUDGETS, row=rows_of("BudgetLine")),
    "budget-line-month": Entry(writes=Action.KEEP_BUDGETS, row=rows_of("BudgetLine"),
                               extra=lambda rows: {"month": 1}),
    "activity-list": Entry(writes=Action.KEEP_BUDGETS, query=scoped),
    "activity-detail": Entry(writes=Action.KEEP_BUDGETS, row=rows_of("ActivityLine")),
    "activity-month": Entry(writes=Action.KEEP_BUDGETS, row=rows_of("ActivityLine"), extra=lambda rows: {"month": 1}),
    "action-list": Entry(writes=Action.KEEP_IMPROVEMENT_PLAN, query=scoped),
    "action-detail": Entry(writes=Action.KEEP_IMPROVEMENT_PLAN, row=rows_of("PlanAction")),
    "action-due-date": Entry(writes=Action.KEEP_IMPROVEMENT_PLAN, row=rows_of("PlanAction")),
    "meeting-list": Entry(writes=Action.RECORD_MEETINGS, query=scoped),
    "meeting-detail": Entry(writes=Action.RECORD_MEETINGS, row=rows_of("Meeting")),
    "risk-list": Entry(writes=Action.RECORD_RISKS, query=scoped),
    "risk-detail": Entry(writes=Action.RECORD_RISKS, row=rows_of("Risk")),
    "import-list": Entry(query=scoped),
    "import-detail": Entry(row=rows_of("ImportRecord")),
    "variance-report-list": Entry(query=scoped),
    "variance-report-detail": Entry(row=rows_of("VarianceReport")),
    # the admin's site-wide URLs (its per-model URLs: test_admin_scoping)
    "admin:index": Entry(),
    "admin:login": Entry(anonymous=True),
    "admin:logout": Entry(writes=ANY_MEMBER),
    "admin:password_change": Entry(writes=ANY_MEMBER),
    "admin:password_change_done": Entry(),
    "admin:jsi18n": Entry(anonymous=True),
    "admin:app_list": Entry(extra=lambda rows: {"app_label": "schemes"}),
    "admin:autocomplete": Entry(query=lambda rows: "?app_label=schemes&model_name=scheme&field_name=programme&term=Q"),
    "admin:view_on_site": Entry(extra=lambda rows: {
        "content_type_id": ContentType.objects.get_for_model(SCHEME(rows)).pk, "object_id": SCHEME(rows).pk}),
}

API_WRITES = ("post", "put", "patch", "delete")
# Tables a request may write whoever asks: the visit itself, not the portal's data.
VISIT_TABLES = re.compile(r'"?(django_session|axes_\w+|\w*audit\w*)"?', re.IGNORECASE)
ADMIN_MODEL_URL = re.compile(r"^admin:\w+_\w+_(changelist|add|history|delete|change)$")


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name" as reverse() takes it
    kwarg_names: tuple[str, ...]
    api: bool


def routes() -> Iterator[Route]:
    def walk(patterns: list[Any], namespace: str | None, prefix: str) -> Iterator[Route]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, pattern.namespace or namespace, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                if pattern.name is None:
                    # The admin's catch-all and its bare object URLs, which only redirect to the named ones.
                    assert (prefix + str(pattern.pattern)).startswith("admin/"), f"name the URL {pattern.pattern}"
                    continue
                key = f"{namespace}:{pattern.name}" if namespace else pattern.name
                names = tuple(pattern.pattern.regex.groupindex)
                yield Route(key, names, api=prefix.startswith("api/v1/"))

    return walk(get_resolver().url_patterns, None, "")


def matrix_routes() -> list[Route]:
    return [route for route in routes() if not ADMIN_MODEL_URL.match(route.key)]


def rows_of_organisation(organisation: Organisation) -> dict[str, list[dict[str, Any]]]:
    """Every row that belongs to `organisation`, by its model's `organisation_scope` (the scoping's own path); not
    the audit log, which records the visits themselves (VISIT_TABLES)."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for model in apps.get_models():
        if VISIT_TABLES.fullmatch(model._meta.db_table):
            continue
        if isinstance(model._default_manager.all(), OrganisationScopedQuerySet):
            path = getattr(model, "organisation_scope", "organisation")
            lookup = f"{path}__pk" if path else "pk"
            rows[model._meta.label] = list(model._base_manager.filter(**{lookup: organisation.pk}).order_by("pk")
                                           .values())
    assert len(rows) > 20, "the scoped models are found"
    return rows


def test_every_url_has_a_matrix_entry():
    keys = {route.key for route in matrix_routes()}
    missing = sorted(keys - MATRIX.keys())
    stale = sorted(MATRIX.keys() - keys)
    assert not missing, f"give these URLs a row in MATRIX (who may write, which record): {missing}"
    assert not stale, f"these MATRIX rows name no URL: {stale}"
    # The per-model admin URLs are test_admin_scoping's: it fails when a registered model has no row there.
    admin_model_urls = {route.key for route in routes() if ADMIN_MODEL_URL.match(route.key)}
    registered = {f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist" for m in admin.site._registry}
    assert {key for key in admin_model_urls if key.endswith("_changelist")} == registered


class WriteWatcher:
    """Every INSERT, UPDATE and DELETE sent to the database outside the visit's own tables."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        if verb in {"INSERT", "UPDATE", "DELETE", "REPLACE"}:
            table = re.search(r"(?:INTO|UPDATE|FROM)\s+(\S+)", sql, re.IGNORECASE)
            if not (table and VISIT_TABLES.fullmatch(table.group(1))):
                self.statements.append(sql[:120])
        return execute(sql, params, many, context)


def urls_for(route: Route, rows: Rows) -> list[str]:
    entry = MATRIX[route.key]
    kwargs: dict[str, Any] = dict(entry.extra(rows))
    if "pk" in route.kwarg_names:
        assert entry.row is not None, f"{route.key} takes a pk: give its MATRIX row a record"
        kwargs["pk"] = entry.row(rows).pk
    if "format" in route.kwarg_names:
        kwargs["format"] = "json"
    kwargs = {name: value for name, value in kwargs.items() if name in route.kwarg_names}
    url = reverse(route.key, kwargs=kwargs)
    query = entry.query(rows)
    return [url, url + query] if query else [url]


def requests_for(route: Route, rows: Rows) -> Iterator[tuple[str, str]]:
    for url in urls_for(route, rows):
        yield "get", url
    url = urls_for(route, rows)[0]
    if route.api:
        for method in API_WRITES:
            yield method, url
    else:
        yield "post", url


class Answer:
    """What `leaks` reads of a response (streamed ones, the CSV export, included), the request's own URL removed:
    a sign-in link's `next` echoes the path back and is not a leak."""

    def __init__(self, response: Any, path: str, sent: Any = None) -> None:
        body = response.getvalue() if response.streaming else response.content
        self.content = body.replace(path.encode(), b"").replace(quote(path).encode(), b"")
        self.location = response.get("Location", "").replace(path, "").replace(quote(path), "")
        # What the request sent (an API body naming its organisation) may come back in the error about it.
        values = sent.values() if isinstance(sent, dict) else []
        for value in values:
            for text in value if isinstance(value, list) else [value]:
                if isinstance(text, str) and len(text) >= 3:
                    self.content = self.content.replace(text.encode(), b"")

    def get(self, name: str, default: str = "") -> str:
        return self.location if name == "Location" else default


def outside_leaks(response: Any, url: str, sent: Any = None) -> list[str]:
    path, _, query = url.partition("?")
    return leaks(Answer(response, path, sent), query)


def may_write(entry: Entry, role: str | None) -> bool:
    if entry.writes == READ_ONLY or role is None:
        return False
    if entry.writes == ANY_MEMBER:
        return True
    assert isinstance(entry.writes, Action)
    return role in ACTION_ROLES[entry.writes]


class PostForm(HTMLParser):
    """The fields of a page's first POST form with the values it shows: what the browser would send back."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self.inside = self.done = False
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form" and a.get("method", "").lower() == "post" and not self.done:
            self.inside = True
        if not self.inside or "name" not in a and tag != "option":
            return
        if tag == "input" and a.get("type") not in {"submit", "button", "file"}:
            if a.get("type") not in {"checkbox", "radio"} or "checked" in a:
                self.data.setdefault(a["name"], []).append(a.get("value", "on" if a.get("type") else ""))
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and ("selected" in a or self.select not in self.data):
            self.data[self.select] = [a.get("value", "")]
        elif tag == "textarea":
            self.textarea = a["name"]
            self.data[a["name"]] = [""]

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.data[self.textarea] = [self.data[self.textarea][0] + data]

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def payloads(rows: Rows) -> dict[tuple[str, str], Any]:
    """For each write of the matrix, what a permitted user would send: the page's form as Shropshire's
    administrator sees it, or the API's record as it reads it (with its version). So a missing permission
    check shows as a write, not as a form error."""
    administrator = member(rows_of("Organisation")(rows), Role.ADMINISTRATOR, username="payload-administrator")
    client = Client()
    client.force_login(administrator)
    sent: dict[tuple[str, str], Any] = {}
    for route in matrix_routes():
        if MATRIX[route.key].writes == READ_ONLY:
            continue
        url = urls_for(route, rows)[0]
        if route.api:
            # A new record is sent as the existing one reads (the list's detail route); a change, as it reads.
            detail_key = route.key.replace("-list", "-detail")
            detail_row = MATRIX[detail_key].row if detail_key in MATRIX else None
            if "pk" not in route.kwarg_names and detail_row is not None:
                url = reverse(detail_key, kwargs={"pk": detail_row(rows).pk})
            answer = client.get(url)
            body = answer.json() if answer.status_code == 200 and isinstance(answer.json(), dict) else {}
            sent[(route.key, "api")] = {key: value for key, value in body.items() if key != "id"}
        else:
            response = client.get(url)
            form = PostForm()
            if response.status_code == 200 and not response.streaming:
                form.feed(response.content.decode(errors="replace"))
            sent[(route.key, "page")] = form.data
    administrator.delete()
    return sent


def drive(client: Client, rows: Rows, *, role: str | None, outsider: bool) -> list[str]:
    """Every request of the matrix; what went wrong, in words."""
    client.raise_request_exception = False  # a server error is counted, not raised
    problems: list[str] = []
    sent = payloads(rows)
    # Reads first, then the writes, and the writes that end the session (sign-out) last.
    plan = [(route, method, url) for route in matrix_routes() for method, url in requests_for(route, rows)]
    plan.sort(key=lambda item: (item[1] != "get", "logout" in item[0].key))
    for route, method, url in plan:
        entry = MATRIX[route.key]
        watcher = WriteWatcher()
        with connection.execute_wrapper(watcher):
            body = None if method == "get" else sent.get((route.key, "api" if route.api else "page"), {})
            if method == "get":
                response = client.get(url)
            elif route.api:
                response = getattr(client, method)(url, body, content_type="application/json")
            else:
                response = client.post(url, body)
        said = f"{method.upper()} {url} ({response.status_code})"
        if response.status_code >= 500:
            problems.append(f"{said}: server error")
        if outsider and (found := outside_leaks(response, url, body)):
            problems.append(f"{said} shows Shropshire's {found}")
        if outsider and entry.row is not None and method == "get" and response.status_code == 200 \
                and not route.key.startswith("admin:"):
            problems.append(f"{said}: answered 200 for another organisation's record")
        # An outsider's write is theirs to make only where the URL names no record (it acts on their own working
        # organisation: closing their month); Shropshire's rows are compared before and after the whole run.
        if watcher.statements and not (may_write(entry, role) and (not outsider or entry.row is None)):
            problems.append(f"{said} wrote: {watcher.statements[:2]}")
        if role is None and not entry.anonymous and response.status_code == 200:
            problems.append(f"{said}: served to an anonymous visitor")
    return problems


@pytest.mark.parametrize("role", Role.values)
def test_members_of_another_organisation_see_and_change_nothing(client, world, role):  # noqa: F811
    outsider = member(world["bexley"], role, username=f"outsider-{role}")
    client.force_login(outsider)
    before = rows_of_organisation(world["shropshire"])
    problems = drive(client, world["shropshire_rows"], role=role, outsider=True)
    assert not problems, "\n".join(problems)
    assert rows_of_organisation(world["shropshire"]) == before


@pytest.mark.parametrize("role", Role.values)
def test_members_write_only_what_their_role_allows(client, world, role):  # noqa: F811
    insider = member(world["shropshire"], role, username=f"insider-{role}")
    client.force_login(insider)
    problems = drive(client, world["shropshire_rows"], role=role, outsider=False)
    assert not problems, "\n".join(problems)


def test_anonymous_visitors_see_and_change_nothing(client, world):  # noqa: F811
    before = rows_of_organisation(world["shropshire"])
    problems = drive(client, world["shropshire_rows"], role=None, outsider=True)
    assert not problems, "\n".join(problems)
    assert rows_of_organisation(world["shropshire"]) == before


def test_the_matrix_sees_a_leak_and_a_write():
    """The checks themselves: a response naming Shropshire's row is a leak; an UPDATE is a write."""

    class Page:
        streaming = False
        content = b"<td>Quillon Scheme</td><a href='/login/?next=/dashboard/SHRQZ/2013/'>"

        def get(self, name: str, default: str = "") -> str:
            return default

    assert outside_leaks(Page(), "/dashboard/SHRQZ/2013/") == ["quillon"]  # the echoed code is not counted
    watcher = WriteWatcher()
    with connection.execute_wrapper(watcher):
        PlanAction.objects.filter(pk=0).update(text="x")
        Meeting.objects.filter(pk=0).count()
    assert len(watcher.statements) == 1 and watcher.statements[0].upper().startswith("UPDATE")


# A page or endpoint that only reads answers 405 to a write, so a POST is never served as if it were a GET. The
# admin's site-wide pages are Django's own (its index and app list answer a POST as a GET, writing nothing).
READ_ONLY_WRITES = ("post", "put", "patch", "delete")


def test_read_only_urls_refuse_writes_with_405(client, world):  # noqa: F811
    client.force_login(member(world["shropshire"], Role.ADMINISTRATOR, username="insider-read-only"))
    client.raise_request_exception = False
    rows = world["shropshire_rows"]
    before = rows_of_organisation(world["shropshire"])
    answered = []
    for route in matrix_routes():
        if MATRIX[route.key].writes != READ_ONLY or route.key.startswith("admin:"):
            continue
        url = urls_for(route, rows)[0]
        for method in READ_ONLY_WRITES:
            watcher = WriteWatcher()
            with connection.execute_wrapper(watcher):
                status = getattr(client, method)(url).status_code
            if status != 405 or watcher.statements:
                answered.append(f"{method.upper()} {url} ({status}){' wrote' if watcher.statements else ''}")
    assert not answered, "read-only URLs must answer 405 to a write:\n" + "\n".join(answered)
    assert rows_of_organisation(world["shropshire"]) == before
