from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance: organisations, people and years"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from governance.middleware import password_change_due_at_sign_in, session_started

        user_logged_in.connect(session_started, dispatch_uid="governance.session_started")
        user_logged_in.connect(password_change_due_at_sign_in, dispatch_uid="governance.password_change_due")
