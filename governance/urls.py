from django.urls import path

from governance import views

urlpatterns = [
    path("context/", views.switch_context, name="switch-context"),
    path("organisations/switch/", views.organisation_switch, name="organisation-switch"),
    path("months/", views.months, name="months"),
    path("months/<int:month>/close/", views.month_close, name="month-close"),
    path("months/<int:month>/reopen/", views.month_reopen, name="month-reopen"),
    path("plan/", views.plan, name="plan"),
    path("plan/requirements/new/", views.requirement_new, name="requirement-new"),
    path("plan/actions/new/", views.plan_action_new, name="plan-action-new"),
    path("plan/actions/<int:pk>/", views.plan_action, name="plan-action"),
    path("plan/actions/<int:pk>/edit/", views.plan_action_edit, name="plan-action-edit"),
    path("plan/actions/<int:pk>/due-date/", views.plan_action_revise, name="plan-action-revise"),
    path("plan/updates/", views.plan_updates_page, name="plan-updates"),
    path("plan/updates/<int:month>/", views.plan_update, name="plan-update"),
    path("meetings/", views.meetings_page, name="meetings"),
    path("meetings/new/", views.meeting_new, name="meeting-new"),
    path("meetings/<int:pk>/", views.meeting, name="meeting"),
    path("imports/", views.imports_page, name="imports"),
    path("imports/<int:pk>/", views.import_page, name="import"),
    path("jobs/", views.job_runs_page, name="job-runs"),
    path("audit/", views.audit_log_page, name="audit-log"),
    path("audit/export.csv", views.audit_log_csv, name="audit-log-csv"),
    path("health/", views.health, name="health"),
    path("accounts/api-token/", views.api_token, name="api-token"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/password/", views.member_password, name="member-password"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting-edit"),
    path("meetings/<int:pk>/history/", views.meeting_history, name="meeting-history"),
]
