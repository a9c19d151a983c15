from django.urls import path

from dashboards import views

urlpatterns = [
    path("", views.home, name="home"),
    path("at-a-glance/", views.at_a_glance, name="at-a-glance"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/<str:ods_code>/<int:start_year>/", views.organisation_dashboard, name="organisation-dashboard"),
    path("portfolio/", views.portfolio, name="portfolio"),
    path("board-packs/", views.board_packs, name="board-packs"),
    path("board-packs/<int:pk>/", views.board_pack, name="board-pack"),
    path("board-packs/file/<int:pk>/", views.board_pack_file, name="board-pack-file"),
]
