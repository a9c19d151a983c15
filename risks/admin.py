from django.contrib import admin

from governance.admin import ScopedHistoryAdmin
from risks.models import Risk


@admin.register(Risk)
class RiskAdmin(ScopedHistoryAdmin):
    """Risks are kept on the register pages (risks.views), through risks.services, which score them and keep
    each review's scores: here their organisation's administrators read them and their history, read-only, so
    nothing writes around the service."""

    service_owned = True

    list_display = ["reference", "title", "organisation", "category", "current_likelihood", "current_impact",
                    "current_score", "owner"]
    list_filter = ["organisation", "year", "category"]
    search_fields = ["title", "description", "owner"]
