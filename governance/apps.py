from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Governance: organisations, people and years"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, pre_save

        from governance import audit
        from governance.middleware import password_change_due_at_sign_in, session_started
        from governance.models import Membership
        from governance.services.tokens import token_revoke_on_account_change, token_revoke_on_last_membership

        user_logged_in.connect(session_started, dispatch_uid="governance.session_started")
        user_logged_in.connect(password_change_due_at_sign_in, dispatch_uid="governance.password_change_due")
        pre_save.connect(token_revoke_on_account_change, sender=get_user_model(),
                         dispatch_uid="governance.token_revoke_on_account_change")
        post_delete.connect(token_revoke_on_last_membership, sender=Membership,
                            dispatch_uid="governance.token_revoke_on_last_membership")
        audit.connect()  # every model is loaded now: the audit log's signals (governance/audit.py)
