"""Every list endpoint of the API has a test that its query count does not grow with its rows.

The tests live beside each register's other tests; this one names them per endpoint and fails when an endpoint is
added to the router (qipp_portal/api_urls.py) without one, or when a named test stops existing or stops asking for
the endpoint.
"""

from __future__ import annotations

import importlib
import inspect

from qipp_portal.api_urls import router

SCHEME_RECORDS = "test_api_scheme_records.test_query_count_does_not_grow_with_records"
QUERY_COUNT_TESTS = {
    "schemes": "test_api.test_list_query_count_does_not_grow_with_schemes",
    "scheme-months": SCHEME_RECORDS,
    "rag-sittings": SCHEME_RECORDS,
    "director-assessments": SCHEME_RECORDS,
    "overrides": SCHEME_RECORDS,
    "stage-moves": SCHEME_RECORDS,
    "key-stages": SCHEME_RECORDS,
    "financial-risks": "test_financial_risks.test_query_counts_do_not_grow_with_rows",
    "financial-risk-months": "test_financial_risks.test_the_months_api_query_count_does_not_grow",
    "budget-lines": "test_budget_pages.test_query_counts_do_not_grow_with_lines",
    "activity": "test_activity.test_query_counts_do_not_grow_with_lines",
    "actions": "test_improvement_plan.test_api_query_counts_do_not_grow_with_rows",
    "meetings": "test_improvement_plan.test_api_query_counts_do_not_grow_with_rows",
    "risks": "test_risk_register.test_api_query_count_does_not_grow_with_risks",
    "imports": "test_import_records.test_page_and_api_query_counts_do_not_grow_with_imports",
    "variance-reports": "test_month_end_reports.test_list_page_and_api_queries_do_not_grow_with_issues_and_rows",
}


def test_every_list_endpoint_has_a_query_count_test() -> None:
    assert sorted(prefix for prefix, _, _ in router.registry) == sorted(QUERY_COUNT_TESTS)
    for prefix, name in QUERY_COUNT_TESTS.items():
        module_name, test_name = name.split(".")
        module = importlib.import_module(f"tests.unit.{module_name}")
        source = inspect.getsource(module)
        test = getattr(module, test_name)  # the test exists
        body = inspect.getsource(test)
        assert "CaptureQueriesContext" in body, name  # it counts queries
        # It asks for the endpoint itself, or (one test for several) names it in its module's list of endpoints.
        assert f"/api/v1/{prefix}/" in body or f'"{prefix}"' in source, (prefix, name)
