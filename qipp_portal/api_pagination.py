"""The API's pages (`?page=2`, 50 records a page), their envelope described in the OpenAPI schema.

Here, beside the router, not in an app: the setting names it, and DRF imports it while the apps' viewsets load.
"""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import PageNumberPagination


class DescribedPagination(PageNumberPagination):
    """Django REST framework's page-number pagination (`?page=2`), its envelope described."""

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        envelope = super().get_paginated_response_schema(schema)
        words = {
            "count": "How many records match, on every page",
            "next": "The address of the next page; null on the last",
            "previous": "The address of the previous page; null on the first",
            "results": "This page's records",
        }
        for name, description in words.items():
            envelope["properties"][name]["description"] = description
        return envelope
