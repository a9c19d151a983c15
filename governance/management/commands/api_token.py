"""`manage.py api_token USERNAME [--replace]`: print the person's API token (made if they have none)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance import services


class Command(BaseCommand):
    help = ("Print USERNAME's API token, for programs to send as the header 'Authorization: Token <key>' (made if "
            "they have none; --replace makes a new one and the old one stops working).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--replace", action="store_true", help="make a new key; the old one stops working")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model()._default_manager.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"There is no user called {options['username']}.")
        try:
            token = services.api_token_issue(actor=services.system_actor("api token command"), user=user,
                                             replace=options["replace"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(token.key)
