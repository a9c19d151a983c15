from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data (`manage.py load_demo`): the four NHS papers in fixtures/, loaded through the apps' services."""

    name = "demo"
