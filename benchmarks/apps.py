from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """`manage.py benchmark`: speed and memory of the schemes' hot paths (results in docs/benchmarks.md)."""

    name = "benchmarks"
