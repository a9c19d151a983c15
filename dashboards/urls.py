from django.urls import path

from dashboards import views

urlpatterns = [
    path("", views.home, name="home"),
    path("at-a-glance/", views.at_a_glance, name="at-a-glance"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/<str:ods_code>/<int:start_year>/", views.organisation_dashboard, name="organisation-dashboard"),
    path("portfolio/", views.portfolio, name="portfolio"),
]
