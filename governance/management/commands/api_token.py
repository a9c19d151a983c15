"""`manage.py api_token USERNAME [--replace | --revoke]`: make the person a token and print its key, or revoke it.
The portal keeps only a key's hash, so a key is printed once, when it is made: for someone who already has a token
the command fails (exit status 1, nothing on stdout, so a script never takes the message for a key) and says to
use --replace. The same services as the "Your API token" page (/accounts/api-token/)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance import services


class Command(BaseCommand):
    help = ("Make USERNAME an API token and print its key, for programs to send as the header "
            "'Authorization: Token <key>'. The key is shown only when made: if they have a token already, "
            "--replace makes a new one (the old one stops working); --revoke deletes it.")

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
            issued = services.api_token_issue(actor=actor, user=user, replace=options["replace"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if issued.key is None:
            raise CommandError(
                f"{user.get_username()} already has an API token (beginning {issued.token.prefix}, made "
                f"{issued.token.created_at:%-d %B %Y}); the portal keeps only a fingerprint of it, so it cannot "
                f"show it. To make a new one (the old one stops working): manage.py api_token "
                f"{user.get_username()} --replace")
        self.stdout.write(issued.key)
