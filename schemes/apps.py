from django.apps import AppConfig


class SchemesConfig(AppConfig):
    name = "schemes"

    def ready(self) -> None:
        from governance.services import rag_factors_changed
        from schemes.services import organisation_recompute_schedule

        rag_factors_changed.connect(organisation_recompute_schedule, dispatch_uid="schemes.organisation_recompute")
