from django.contrib import admin

from governance.admin import ScopedHistoryAdmin
from risks.models import Risk


@admin.register(Risk)
class RiskAdmin(ScopedHistoryAdmin):
    """Risks are kept here by their organisation's administrators until the register pages arrive; a risk's
    programme and scheme are its own organisation's (governance.admin.ScopedAdmin checks)."""

    list_display = ["reference", "title", "organisation", "category", "likelihood", "consequence", "score", "owner"]
    list_filter = ["organisation", "category"]
    search_fields = ["title", "description", "owner"]
