from rest_framework.routers import DefaultRouter

from finance.api import FinancialRiskMonthViewSet, FinancialRiskViewSet
from governance.api import ImportRecordViewSet, MeetingViewSet, PlanActionViewSet
from risks.api import RiskViewSet
from schemes.api import SchemeViewSet

router = DefaultRouter()
router.register("schemes", SchemeViewSet, basename="scheme")
router.register("financial-risks", FinancialRiskViewSet, basename="financial-risk")
router.register("financial-risk-months", FinancialRiskMonthViewSet, basename="financial-risk-month")
router.register("actions", PlanActionViewSet, basename="action")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("risks", RiskViewSet, basename="risk")
router.register("imports", ImportRecordViewSet, basename="import")

urlpatterns = router.urls
