"""API tokens, stored hashed: the portal keeps the SHA-256 of a key and its first characters, never the key.

Someone who reads the database (a backup, a replica) learns no key that works: a key is 160 random bits, so its
hash cannot be turned back into it, and the API looks a key up by its hash (governance.authentication).
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

PREFIX_LENGTH = 8  # enough for a person to tell two keys apart, too little to use


def api_key_new() -> str:
    """A new key: 40 hexadecimal characters (160 random bits), like DRF's."""
    return secrets.token_hex(20)


def api_key_hash(key: str) -> str:
    """The key's fingerprint as stored and looked up: SHA-256, hexadecimal."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A person's API token (one at most): made, replaced and revoked by governance.services.tokens only."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_token")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)  # unique: indexed
    prefix = models.CharField(max_length=PREFIX_LENGTH, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.user}'s API token ({self.prefix}…)"
