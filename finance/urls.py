from django.urls import path

from finance.views import activity, budgets, ledger, plan, reports
from finance.views import financial_risks as views

app_name = "finance"

urlpatterns = [
    path("plan/", plan.financial_plan, name="financial-plan"),
    path("financial-risks/", views.months, name="financial-risks"),
    path("financial-risks/<int:pk>/", views.month, name="financial-risks-month"),
    path("financial-risks/<int:pk>/add/", views.row_add, name="financial-risk-add"),
    path("financial-risks/rows/<int:pk>/edit/", views.row_edit, name="financial-risk-edit"),
    path("financial-risks/rows/<int:pk>/history/", views.row_history, name="financial-risk-history"),
    path("budgets/import/", ledger.ledger_import_page, name="ledger-import"),
    path("budgets/", budgets.budgets, name="budgets"),
    path("budgets/lines/add/", budgets.line_add, name="budget-line-add"),
    path("budgets/lines/<int:pk>/", budgets.line, name="budget-line"),
    path("budgets/lines/<int:pk>/edit/", budgets.line_edit, name="budget-line-edit"),
    path("budgets/lines/<int:pk>/history/", budgets.line_history, name="budget-line-history"),
    path("budgets/lines/<int:pk>/months/<int:month>/edit/", budgets.month_edit, name="budget-month-edit"),
    path("activity/", activity.activity, name="activity"),
    path("activity/<int:pk>/", activity.activity_line, name="activity-line"),
    path("activity/<int:pk>/edit/", activity.activity_line_edit, name="activity-line-edit"),
    path("activity/<int:pk>/history/", activity.activity_line_history, name="activity-line-history"),
    path("activity/<int:pk>/months/<int:month>/", activity.activity_month_edit, name="activity-month-edit"),
    path("reports/", reports.variance_reports, name="variance-reports"),
    path("reports/<int:pk>/", reports.variance_report, name="variance-report"),
]
