from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from finance.models import (
    ActivityLine,
    ActivityMonth,
    BoardPack,
    BudgetLine,
    BudgetMonth,
    FinancialPlan,
    FinancialPlanLine,
    FinancialRisk,
    FinancialRiskMonth,
    VarianceReport,
    VarianceReportLine,
    VarianceReportSaving,
    VarianceReportScheme,
)
from finance.services import financial_plan_set
from governance.admin import ScopedAdmin, ScopedHistoryAdmin
from governance.money import money_problem
from governance.permissions import acting_user


class FinancialPlanForm(forms.ModelForm):
    class Meta:
        model = FinancialPlan
        fields = ["organisation", "year", "allocation", "planned_expenditure", "planned_qipp", "source"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Most plans net off no QIPP: left blank, it is nil.
        self.fields["planned_qipp"].required = False

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("planned_qipp") is None and "planned_qipp" not in self.errors:
            cleaned["planned_qipp"] = Decimal("0")
        for name, what in (("allocation", "allocation"), ("planned_expenditure", "planned expenditure"),
                           ("planned_qipp", "planned QIPP")):
            problem = money_problem(cleaned.get(name), what)
            if problem:
                self.add_error(name, problem)
        return cleaned


@admin.register(FinancialPlan)
class FinancialPlanAdmin(ScopedAdmin):
    """An organisation's administrators record its plan here (no portal page yet), through finance.services."""

    form = FinancialPlanForm
    list_display = ["organisation", "year", "allocation", "planned_expenditure", "planned_qipp", "savings_requirement"]
    list_filter = ["organisation", "year"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "year"] if obj is not None and "year" not in fields else fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        saved = financial_plan_set(actor=acting_user(request), organisation=obj.organisation, year=obj.year,
                                   allocation=obj.allocation, planned_expenditure=obj.planned_expenditure,
                                   planned_qipp=obj.planned_qipp, source=obj.source)
        obj.pk = saved.pk


@admin.register(FinancialPlanLine)
class FinancialPlanLineAdmin(ScopedHistoryAdmin):
    """Written by finance.services.financial_plan_lines_set (the demo loader, imports): read-only here."""

    service_owned = True
    list_display = ["plan", "position", "name", "section", "planned_qipp", "planned"]
    list_filter = ["plan__organisation", "plan__year"]


@admin.register(FinancialRiskMonth)
class FinancialRiskMonthAdmin(ScopedHistoryAdmin):
    """Kept on the portal's pages through finance.services: read-only here."""

    service_owned = True
    list_display = ["organisation", "year", "month", "published_risks_total", "published_mitigations_total"]
    list_filter = ["organisation", "year", "month"]


@admin.register(FinancialRisk)
class FinancialRiskAdmin(ScopedHistoryAdmin):
    """Kept on the portal's pages through finance.services (version-checked, residual computed): read-only here."""

    service_owned = True
    list_display = ["description", "kind", "register", "total_value", "assessed_value", "in_forecast", "residual"]
    list_filter = ["kind"]
    search_fields = ["description", "exec_lead"]


@admin.register(BudgetLine)
class BudgetLineAdmin(ScopedHistoryAdmin):
    """Kept on the budget pages and by the ledger import through finance.services (version-checked): read-only."""

    service_owned = True
    list_display = ["name", "organisation", "year", "section", "kind", "position"]
    list_filter = ["organisation", "year", "kind"]
    search_fields = ["name", "section", "commentary"]


@admin.register(BudgetMonth)
class BudgetMonthAdmin(ScopedHistoryAdmin):
    """A budget line's month, kept through finance.services (version-checked): read-only here."""

    service_owned = True
    list_display = ["line", "month", "plan", "actual", "forecast"]
    list_filter = ["month", "line__organisation"]
    list_select_related = ["line"]


@admin.register(ActivityLine)
class ActivityLineAdmin(ScopedHistoryAdmin):
    """Kept on the activity pages and by the demo loader through finance.services (version-checked): read-only."""

    service_owned = True
    list_display = ["code", "title", "organisation", "year", "prior_outturn", "do_nothing", "qipp_change", "plan"]
    list_filter = ["organisation", "year"]
    search_fields = ["code", "title"]


@admin.register(ActivityMonth)
class ActivityMonthAdmin(ScopedHistoryAdmin):
    """Kept on the activity pages through finance.services (version-checked): read-only here."""

    service_owned = True
    list_display = ["line", "month", "plan", "actual"]
    list_filter = ["line__organisation", "line__year", "month"]
@admin.register(VarianceReport)
class VarianceReportAdmin(ScopedAdmin):
    """Month-end reports are issued by finance.services.month_end_report_produce and never edited: read-only."""

    service_owned = True
    list_display = ["organisation", "year", "month", "issue", "is_current", "produced_at", "produced_by"]
    list_filter = ["organisation", "year", "month", "is_current"]
    list_select_related = ["organisation", "year", "produced_by"]


@admin.register(VarianceReportLine)
class VarianceReportLineAdmin(ScopedAdmin):
    service_owned = True
    list_display = ["name", "report", "kind", "ytd_plan", "ytd_actual", "ytd_variance", "ytd_variance_pct"]
    list_filter = ["kind", "report__organisation"]
    list_select_related = ["report__organisation", "report__year"]


@admin.register(VarianceReportSaving)
class VarianceReportSavingAdmin(ScopedAdmin):
    service_owned = True
    list_display = ["programme", "report", "ytd_plan", "ytd_actual", "ytd_variance", "forecast_variance"]
    list_filter = ["report__organisation"]
    list_select_related = ["report__organisation", "report__year"]


@admin.register(VarianceReportScheme)
class VarianceReportSchemeAdmin(ScopedAdmin):
    """A scheme as a report stored it when issued (for that month's board pack): read-only, as the report."""

    service_owned = True
    list_display = ["reference", "name", "report", "plan_in_year", "most_likely", "overall_rag"]
    list_filter = ["report__organisation"]
    list_select_related = ["report__organisation", "report__year"]


@admin.register(BoardPack)
class BoardPackAdmin(ScopedAdmin):
    """Produced board packs: stored by their job (dashboards.tasks.produce_board_pack), downloaded from the
    board-pack pages; read-only here, and the file's bytes are not shown."""

    service_owned = True
    list_display = ["file_name", "organisation", "year", "month", "report_issue", "size", "produced_at",
                    "produced_by"]
    list_filter = ["organisation", "year", "month"]
    list_select_related = ["organisation", "year", "produced_by"]
    exclude = ["content"]
