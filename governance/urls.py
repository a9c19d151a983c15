from django.urls import path

from governance import month_views, views

urlpatterns = [
    path("context/", views.switch_context, name="switch-context"),
    path("months/", month_views.months, name="months"),
    path("months/<int:month>/close/", month_views.month_close, name="month-close"),
    path("months/<int:month>/reopen/", month_views.month_reopen, name="month-reopen"),
]
