from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.loader import load_demo


class Command(BaseCommand):
    help = "Load the demo organisations, schemes and users from the published NHS papers (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-without-debug", action="store_true",
            help="Load even with DJANGO_DEBUG off. The demo users have published passwords: never in production.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError(
                "load_demo creates users with published passwords, so it refuses to run with DJANGO_DEBUG off. "
                "Pass --allow-without-debug if this really is a demonstration machine."
            )
        report = load_demo()
        for line in report.lines:
            self.stdout.write(line)
        self.stdout.write("Demo users (local use only):")
        for username, password, role in report.users:
            self.stdout.write(f"  {username:<8} password {password:<20} {role}")
