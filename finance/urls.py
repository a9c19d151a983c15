from django.urls import path

from finance.views import financial_risks as views
from finance.views import ledger, plan

app_name = "finance"

urlpatterns = [
    path("plan/", plan.financial_plan, name="financial-plan"),
    path("financial-risks/", views.months, name="financial-risks"),
    path("financial-risks/<int:pk>/", views.month, name="financial-risks-month"),
    path("financial-risks/<int:pk>/add/", views.row_add, name="financial-risk-add"),
    path("financial-risks/rows/<int:pk>/edit/", views.row_edit, name="financial-risk-edit"),
    path("financial-risks/rows/<int:pk>/history/", views.row_history, name="financial-risk-history"),
    path("budgets/import/", ledger.ledger_import_page, name="ledger-import"),
]
