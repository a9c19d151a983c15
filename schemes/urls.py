from django.urls import path

from schemes import views

app_name = "schemes"

urlpatterns = [
    path("", views.register, name="register"),
    path("<int:pk>/", views.scheme_detail, name="detail"),
    path("export.csv", views.register_csv, name="register-csv"),
    path("new/", views.scheme_create, name="create"),
    path("import/", views.workbook_import_page, name="import"),
    path("<int:pk>/edit/", views.scheme_edit, name="edit"),
    path("<int:pk>/decisions/new/", views.scheme_decision, name="decision-new"),
    path("<int:pk>/override/", views.figure_override, name="override"),
    path("<int:pk>/override/<str:figure>/clear/", views.figure_override_clear, name="override-clear"),
    # Monthly tracking, RAG panel, director's assessment, stage gates, key stages (schemes/views/)
    path("tracker/", views.tracker_index, name="tracker"),
    path("<int:pk>/tracker/", views.scheme_tracker, name="scheme-tracker"),
    path("programmes/<int:pk>/tracker/", views.programme_tracker, name="programme-tracker"),
    path("panel/", views.panel_list, name="rag-panel"),
    path("panel/new/", views.panel_new, name="panel-new"),
    path("panel/<int:pk>/", views.panel_sitting, name="panel-sitting"),
    path("<int:pk>/director/", views.director_assessment, name="director"),
    path("<int:pk>/stage/", views.stage_change, name="stage"),
    path("<int:pk>/key-stages/", views.key_stages, name="key-stages"),
    path("<int:pk>/key-stages/new/", views.key_stage_add, name="key-stage-add"),
    path("<int:pk>/key-stages/<int:stage_pk>/edit/", views.key_stage_edit, name="key-stage-edit"),
    path("<int:pk>/key-stages/<int:stage_pk>/remove/", views.key_stage_remove, name="key-stage-remove"),
    path("<int:pk>/key-stages/template/", views.key_stages_template, name="key-stages-template"),
    path("<int:pk>/key-stages/timeline/", views.key_stages_timeline, name="key-stages-timeline"),
]
