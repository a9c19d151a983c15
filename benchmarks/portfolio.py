"""The synthetic portfolio the benchmark measures: organisations x financial years x schemes, each scheme with 12
months of plan, actual and forecast, a panel rating and (every other one) a director's assessment; risks,
improvement-plan actions, budget lines with their months and a financial plan for every organisation-year.

Written with bulk SQL (benchmarks.bulk), then the figures computed once by the project's recompute. Benchmark
organisations' ODS codes start with "BN", so a database that already holds a portfolio of the same size (a second
`make benchmark`) reuses it rather than building another.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from benchmarks.bulk import insert_rows, next_id, reset_sequences, vacuum_as_autovacuum_would
from finance.models import BudgetLine, BudgetMonth, FinancialPlan
from governance.models import FinancialYear, Membership, Organisation, PlanAction, PlanDomain, Requirement, Role
from risks.models import Category, Risk
from schemes.models import DirectorAssessment, PanelSitting, Programme, Rag, Scheme, SchemeMonth, SchemeRating

ODS_PREFIX = "BN"
USER_PREFIX = "bench-user-"
PASSWORD = "benchmark-not-a-secret"  # local synthetic users; the load run signs in with sessions, not this
FIRST_YEAR = 2019
RAGS = (Rag.GREEN, Rag.AMBER, Rag.RED)


@dataclass(frozen=True)
class Scale:
    name: str
    organisations: int
    years: int
    schemes: int  # per organisation-year
    risks: int
    actions: int
    budget_lines: int  # per organisation-year
    programmes: int  # per organisation
    users: int  # signed-in users of the load run (each a finance member of one organisation)
    repeat: int  # runs of each measure (the median is reported)
    page_runs: int  # requests of each page for p50 / p95
    load_requests: int  # per user
    think_seconds: float  # the paced load run's mean wait between a user's requests (a user reading the page)


SCALES = {
    "national": Scale("national", organisations=250, years=5, schemes=60, risks=20_000, actions=10_000,
                      budget_lines=8, programmes=6, users=50, repeat=3, page_runs=30, load_requests=40,
                      # 1.5-4.5 s between a user's clicks, about locust's usual between(1, 5): still quicker than
                      # anyone reads a register, and 50 such users send ~16 requests a second (58,000 an hour).
                      think_seconds=3.0),
    "small": Scale("small", organisations=3, years=2, schemes=20, risks=60, actions=48, budget_lines=4,
                   programmes=3, users=3, repeat=3, page_runs=5, load_requests=5,
                   think_seconds=0.1),
}


@dataclass(frozen=True)
class Portfolio:
    organisations: list[Organisation]
    years: list[FinancialYear]
    users: list[Any]  # the load run's users; users[0] is the one the pages and the board pack are measured as
    schemes: int
    scheme_months: int
    build_seconds: float | None  # the bulk writes; None: an existing portfolio was reused
    recompute_seconds: float | None = None  # the first recompute of its figures, after the writes

    @property
    def latest_year(self) -> FinancialYear:
        return self.years[-1]


def _month_date(start_year: int, month: int) -> date:
    """M1 is April of the start year, M12 March of the next."""
    return date(start_year + (month >= 10), (month + 2) % 12 + 1, 1)


def _schemes(scale: Scale, organisations: list[int], years: list[FinancialYear], programmes: dict[int, list[int]],
             first: int) -> Iterator[dict[str, Any]]:
    pk = first
    for organisation in organisations:
        for year in years:
            for i in range(scale.schemes):
                gross = Decimal(50_000 + (pk * 7919) % 950_000)
                yield {"id": pk, "organisation_id": organisation, "year_id": year.pk,
                       "programme_id": programmes[organisation][i % scale.programmes], "reference": f"S{i + 1}",
                       "name": f"Synthetic scheme {i + 1}", "phase": 1 + i % 4, "stage": i % 6,
                       "scheme_type": ("transactional", "transformational")[i % 2],
                       "go_live": None if i % 7 == 0 else _month_date(year.start_year, 1 + i % 12),
                       "gross_saving": gross, "new_investment": Decimal(i % 5 * 10_000) if i % 3 == 0 else None}
                pk += 1


def _scheme_months(first_scheme: int, count: int, first: int) -> Iterator[dict[str, Any]]:
    pk = first
    for scheme in range(first_scheme, first_scheme + count):
        monthly = Decimal(1_000 + scheme % 9_000)
        for month in range(1, 13):
            recorded = month <= 6  # half the year reported: actuals to M6, forecasts after
            yield {"id": pk, "scheme_id": scheme, "month": month, "plan": Decimal("0"),
                   "actual": monthly * Decimal("0.9") if recorded else None,
                   "forecast": None if recorded else monthly}
            pk += 1


def build_portfolio(scale: Scale) -> Portfolio:
    """The portfolio at `scale`: reused if the database already holds it, otherwise written in one transaction."""
    existing = list(Organisation.objects.filter(ods_code__startswith=ODS_PREFIX).order_by("ods_code"))
    years = [FinancialYear.objects.get_or_create(start_year=FIRST_YEAR + i)[0] for i in range(scale.years)]
    if len(existing) == scale.organisations and Scheme.objects.filter(organisation__in=existing).count() == (
            scale.organisations * scale.years * scale.schemes):
        return _portfolio(scale, existing, years, None)
    if existing:
        raise RuntimeError(f"This database holds a benchmark portfolio of another size ({len(existing)} "
                           "organisations): use a fresh database for each scale.")
    started = time.perf_counter()
    organisations = _write(scale, years)
    written = time.perf_counter()
    # The stored figures as the project computes them, so pages and reports read a real portfolio. Imported
    # here: the recompute module is being rewritten elsewhere, and only its public entry point is used.
    from schemes.recompute import portfolio_recompute

    portfolio_recompute()
    # Statistics for the planner, as autovacuum would gather on a live server (it may be off where the
    # benchmark runs): without them it guesses, and e.g. reads every scheme month to find a batch's 18,000.
    if connection.vendor == "postgresql" and not vacuum_as_autovacuum_would():
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return _portfolio(scale, organisations, years, written - started, time.perf_counter() - written)


def _portfolio(scale: Scale, organisations: list[Organisation], years: list[FinancialYear],
               seconds: float | None, recompute_seconds: float | None = None) -> Portfolio:
    users = list(get_user_model().objects.filter(username__startswith=USER_PREFIX).order_by("id"))
    schemes = scale.organisations * scale.years * scale.schemes
    return Portfolio(organisations, years, users, schemes, schemes * 12, seconds, recompute_seconds)


@transaction.atomic
def _write(scale: Scale, years: list[FinancialYear]) -> list[Organisation]:
    first = next_id(Organisation)
    org_ids = list(range(first, first + scale.organisations))
    insert_rows(Organisation, ({"id": pk, "ods_code": f"{ODS_PREFIX}{n:04d}", "name": f"Benchmark ICB {n:04d}"}
                               for n, pk in enumerate(org_ids)))
    org_years = [(organisation, year) for organisation in org_ids for year in years]
    _write_users(scale, org_ids)
    first = next_id(Programme)
    programmes = {organisation: [first + o * scale.programmes + p for p in range(scale.programmes)]
                  for o, organisation in enumerate(org_ids)}
    insert_rows(Programme, ({"id": pk, "organisation_id": organisation, "name": f"Programme {p + 1}"}
                            for organisation, ids in programmes.items() for p, pk in enumerate(ids)))
    first_scheme = next_id(Scheme)
    schemes = insert_rows(Scheme, _schemes(scale, org_ids, years, programmes, first_scheme))
    insert_rows(SchemeMonth, _scheme_months(first_scheme, schemes, next_id(SchemeMonth)))
    _write_ratings(scale, org_years, first_scheme)
    _write_risks(scale, org_years, programmes, first_scheme)
    _write_plan(scale, org_years)
    _write_budgets(scale, org_years)
    reset_sequences(Organisation, Programme, Scheme, SchemeMonth, PanelSitting, SchemeRating, DirectorAssessment,
                    Risk, PlanDomain, Requirement, PlanAction, BudgetLine, BudgetMonth, FinancialPlan,
                    get_user_model(), Membership)
    return list(Organisation.objects.filter(pk__in=org_ids).order_by("ods_code"))


def _write_users(scale: Scale, org_ids: list[int]) -> None:
    user_model = get_user_model()
    first = next_id(user_model)
    password = make_password(PASSWORD)  # hashed once: the same for every synthetic user
    insert_rows(user_model, ({"id": first + u, "username": f"{USER_PREFIX}{u:03d}", "password": password,
                              "is_active": True} for u in range(scale.users)))
    first_membership = next_id(Membership)
    insert_rows(Membership, ({"id": first_membership + u, "user_id": first + u,
                              "organisation_id": org_ids[u % len(org_ids)], "role": Role.FINANCE}
                             for u in range(scale.users)))


def _write_ratings(scale: Scale, org_years: list[tuple[int, FinancialYear]], first_scheme: int) -> None:
    first_sitting = next_id(PanelSitting)
    insert_rows(PanelSitting, ({"id": first_sitting + n, "organisation_id": organisation, "year_id": year.pk,
                                "held_on": date(year.start_year, 6, 15), "panel": "RAG panel"}
                               for n, (organisation, year) in enumerate(org_years)))

    def ratings() -> Iterator[dict[str, Any]]:
        first = next_id(SchemeRating)
        for n in range(len(org_years)):
            for i in range(scale.schemes):
                scheme = first_scheme + n * scale.schemes + i
                yield {"id": first + scheme - first_scheme, "sitting_id": first_sitting + n, "scheme_id": scheme,
                       "value": RAGS[i % 3], "resources": RAGS[(i + 1) % 3], "timescales": RAGS[i % 2],
                       "codependencies": RAGS[(i // 2) % 3], "overall": RAGS[(i // 3) % 3]}

    def assessments() -> Iterator[dict[str, Any]]:
        first = next_id(DirectorAssessment)
        for n, (_, year) in enumerate(org_years):
            for i in range(0, scale.schemes, 2):
                scheme = first_scheme + n * scale.schemes + i
                yield {"id": first + (scheme - first_scheme) // 2, "scheme_id": scheme,
                       "assessed_on": date(year.start_year, 9, 1), "change_months": i % 7 - 3,
                       "director": "Director of Finance"}

    insert_rows(SchemeRating, ratings())
    insert_rows(DirectorAssessment, assessments())


def _write_risks(scale: Scale, org_years: list[tuple[int, FinancialYear]], programmes: dict[int, list[int]],
                 first_scheme: int) -> None:
    first = next_id(Risk)
    categories = list(Category)

    def rows() -> Iterator[dict[str, Any]]:
        for r in range(scale.risks):
            n = r % len(org_years)
            organisation, year = org_years[n]
            likelihood, impact = 1 + r % 5, 1 + (r // 5) % 5
            yield {"id": first + r, "organisation_id": organisation, "year_id": year.pk,
                   "reference": f"R{r // len(org_years) + 1}", "title": f"Synthetic risk {r + 1}",
                   "category": categories[r % len(categories)], "owner": "Chief Finance Officer",
                   "programme_id": programmes[organisation][r % scale.programmes],
                   "scheme_id": first_scheme + n * scale.schemes + r % scale.schemes,
                   "review_date": date(year.start_year, 10, 1),
                   "year_start_likelihood": likelihood, "year_start_impact": impact,
                   "current_likelihood": max(1, likelihood - 1), "current_impact": impact,
                   "target_likelihood": 1, "target_impact": max(1, impact - 1)}

    insert_rows(Risk, rows())


def _write_plan(scale: Scale, org_years: list[tuple[int, FinancialYear]]) -> None:
    """One plan domain an organisation-year, requirements of four lettered actions each, `scale.actions` in all."""
    per_year = max(1, scale.actions // len(org_years))
    requirements = (per_year + 3) // 4
    first_domain, first_requirement, first_action = next_id(PlanDomain), next_id(Requirement), next_id(PlanAction)
    insert_rows(PlanDomain, ({"id": first_domain + n, "organisation_id": organisation, "year_id": year.pk,
                              "name": "PMO and QIPP"} for n, (organisation, year) in enumerate(org_years)))
    insert_rows(Requirement, ({"id": first_requirement + n * requirements + q, "domain_id": first_domain + n,
                               "number": q + 1, "text": f"Requirement {q + 1}"}
                              for n in range(len(org_years)) for q in range(requirements)))
    insert_rows(PlanAction, ({"id": first_action + n * per_year + a,
                              "requirement_id": first_requirement + n * requirements + a // 4,
                              "letter": "abcd"[a % 4], "text": f"Action {a + 1}", "owner": "Accountable Officer",
                              "due_date": date(year.start_year, 1 + a % 12, 1), "rag": "on_track", "status": "open"}
                             for n, (_, year) in enumerate(org_years) for a in range(per_year)))


def _write_budgets(scale: Scale, org_years: list[tuple[int, FinancialYear]]) -> None:
    first_line, first_month, first_plan = next_id(BudgetLine), next_id(BudgetMonth), next_id(FinancialPlan)
    insert_rows(BudgetLine, ({"id": first_line + n * scale.budget_lines + b, "organisation_id": organisation,
                              "year_id": year.pk, "name": f"Budget line {b + 1}", "position": b + 1,
                              "section": "Programme Expenditure"}
                             for n, (organisation, year) in enumerate(org_years) for b in range(scale.budget_lines)))
    lines = len(org_years) * scale.budget_lines
    insert_rows(BudgetMonth, ({"id": first_month + line * 12 + m, "line_id": first_line + line, "month": m + 1,
                               "plan": Decimal(100_000 + line % 50 * 1_000),
                               "actual": Decimal(101_000 + line % 50 * 1_000) if m < 6 else None,
                               "forecast": None if m < 6 else Decimal(99_500 + line % 50 * 1_000)}
                              for line in range(lines) for m in range(12)))
    insert_rows(FinancialPlan, ({"id": first_plan + n, "organisation_id": organisation, "year_id": year.pk,
                                 "allocation": Decimal("500000000.00"), "planned_expenditure": Decimal("490000000.00"),
                                 "planned_qipp": Decimal("15000000.00")}
                                for n, (organisation, year) in enumerate(org_years)))
