"""The API's token authentication: DRF's header ("Authorization: Token <key>") and answers, the key looked up by
its SHA-256 (governance.models.ApiToken), so the database holds no key that works. Here, not in governance.api:
DRF loads it while rest_framework.views is still importing, and governance.api imports that."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from governance.models import ApiToken
from governance.models.tokens import api_key_hash


class HashedTokenAuthentication(TokenAuthentication):
    keyword = "Token"
    model = ApiToken

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        token = ApiToken.objects.select_related("user").filter(key_hash=api_key_hash(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
