from rest_framework.routers import DefaultRouter

from finance.api import (
    ActivityLineViewSet,
    BudgetLineViewSet,
    FinancialRiskMonthViewSet,
    FinancialRiskViewSet,
    VarianceReportViewSet,
)
from governance.api import ImportRecordViewSet, MeetingViewSet, PlanActionViewSet
from risks.api import RiskViewSet
from schemes.api import (
    DirectorAssessmentViewSet,
    FigureOverrideViewSet,
    KeyStageViewSet,
    PanelSittingViewSet,
    SchemeMonthViewSet,
    SchemeViewSet,
    StageChangeViewSet,
)

router = DefaultRouter()
router.register("schemes", SchemeViewSet, basename="scheme")
router.register("scheme-months", SchemeMonthViewSet, basename="scheme-month")
router.register("rag-sittings", PanelSittingViewSet, basename="rag-sitting")
router.register("director-assessments", DirectorAssessmentViewSet, basename="director-assessment")
router.register("overrides", FigureOverrideViewSet, basename="override")
router.register("stage-moves", StageChangeViewSet, basename="stage-move")
router.register("key-stages", KeyStageViewSet, basename="key-stage")
router.register("financial-risks", FinancialRiskViewSet, basename="financial-risk")
router.register("financial-risk-months", FinancialRiskMonthViewSet, basename="financial-risk-month")
router.register("budget-lines", BudgetLineViewSet, basename="budget-line")
router.register("activity", ActivityLineViewSet, basename="activity")
router.register("actions", PlanActionViewSet, basename="action")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("risks", RiskViewSet, basename="risk")
router.register("imports", ImportRecordViewSet, basename="import")
router.register("variance-reports", VarianceReportViewSet, basename="variance-report")

urlpatterns = router.urls
