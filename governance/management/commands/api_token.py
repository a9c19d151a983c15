"""`manage.py api_token USERNAME [--replace | --revoke]`: print the person's API token (made if they have none), or
revoke it. The same services as the "Your API token" page (/accounts/api-token/)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance import services


class Command(BaseCommand):
    help = ("Print USERNAME's API token, for programs to send as the header 'Authorization: Token <key>' (made if "
            "they have none; --replace makes a new one and the old one stops working; --revoke deletes it).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        choice = parser.add_mutually_exclusive_group()
        choice.add_argument("--replace", action="store_true", help="make a new key; the old one stops working")
        choice.add_argument("--revoke", action="store_true", help="delete the key: programs using it are refused")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model()._default_manager.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"There is no user called {options['username']}.")
        actor = services.system_actor("api token command")
        if options["revoke"]:
            revoked = services.api_token_revoke(actor=actor, user=user)
            self.stdout.write(f"{user.get_username()}'s API token is revoked." if revoked else
                              f"{user.get_username()} had no API token.")
            return
        try:
            token = services.api_token_issue(actor=actor, user=user, replace=options["replace"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(token.key)
