from django.urls import path

from risks import views

app_name = "risks"

urlpatterns = [
    path("", views.register, name="register"),
    path("heat-map/", views.heat_map, name="heat-map"),
    path("new/", views.risk_create, name="create"),
    path("import/", views.risk_import_page, name="import"),
    path("<int:pk>/", views.risk_detail, name="detail"),
    path("<int:pk>/edit/", views.risk_edit, name="edit"),
    path("<int:pk>/history/", views.risk_history, name="history"),
    path("<int:pk>/decisions/new/", views.risk_decision, name="decision-new"),
]
