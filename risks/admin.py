from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from governance.admin import ScopedAdmin
from risks.models import Risk


@admin.register(Risk)
class RiskAdmin(ScopedAdmin, SimpleHistoryAdmin):
    list_display = ["reference", "title", "organisation", "category", "likelihood", "consequence", "score", "owner"]
    list_filter = ["organisation", "category"]
    search_fields = ["title", "description", "owner"]
