from django.contrib import admin

from finance.models import FinancialPlan
from governance.admin import ScopedAdmin


@admin.register(FinancialPlan)
class FinancialPlanAdmin(ScopedAdmin):
    list_display = ["organisation", "year", "allocation", "planned_expenditure", "savings_requirement"]
