"""Reading every page of an API list, for tests that compare the API with the pages."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient


def all_pages(client: APIClient, url: str) -> list[dict[str, Any]]:
    """Every row of a paginated API list, following `next` (cursor pages) until it runs out."""
    rows: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        next_url = body["next"]
    return rows
