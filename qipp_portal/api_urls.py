from rest_framework.routers import DefaultRouter

from schemes.api import SchemeViewSet

router = DefaultRouter()
router.register("schemes", SchemeViewSet, basename="scheme")

urlpatterns = router.urls
