from django.urls import path

from governance import views

urlpatterns = [
    path("context/", views.switch_context, name="switch-context"),
    path("months/", views.months, name="months"),
    path("months/<int:month>/close/", views.month_close, name="month-close"),
    path("months/<int:month>/reopen/", views.month_reopen, name="month-reopen"),
]
