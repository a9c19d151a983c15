from rest_framework.routers import DefaultRouter

from finance.api import FinancialRiskViewSet
from schemes.api import SchemeViewSet

router = DefaultRouter()
router.register("schemes", SchemeViewSet, basename="scheme")
router.register("financial-risks", FinancialRiskViewSet, basename="financial-risk")

urlpatterns = router.urls
