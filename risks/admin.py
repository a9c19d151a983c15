from django.contrib import admin

from governance.admin import ScopedHistoryAdmin
from risks.models import Risk


@admin.register(Risk)
class RiskAdmin(ScopedHistoryAdmin):
    """Risks are kept on the register pages (risks.views); their organisation's administrators may correct one
    here. Scores are likelihood x impact, never typed. A risk's programme and scheme are its own organisation's
    (governance.admin.ScopedAdmin checks)."""

    list_display = ["reference", "title", "organisation", "category", "current_likelihood", "current_impact",
                    "current_score", "owner"]
    list_filter = ["organisation", "year", "category"]
    search_fields = ["title", "description", "owner"]
