"""The API's pages: 50 records a page, in id order, each page a keyset read; the envelope described in the schema.

Cursor pagination (`next` and `previous` are links carrying an opaque `cursor`), not page numbers: a page is
`WHERE id > last ORDER BY id LIMIT 51` on the primary key's index however deep it is, and there is no exact COUNT
over every matching row (at national size the deep pages of OFFSET pagination and the count were most of a list's
time). The id is unique and never changes, so a page never repeats or skips a record while others add to a list.

Here, beside the router, not in an app: the setting names it, and DRF imports it while the apps' viewsets load.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request


class DescribedPagination(CursorPagination):
    """Django REST framework's cursor pagination over the primary key, its envelope and parameter described."""

    ordering = "id"
    cursor_query_description = ("Where the page starts: follow the `next` or `previous` link, which carries it; "
                                "leave it out for the first page")

    def decode_cursor(self, request: Request) -> Cursor | None:
        cursor = super().decode_cursor(request)
        # The position is an id: anything else is a cursor we never made (a 404, as DRF answers a garbled one).
        if cursor is not None and cursor.position is not None and not str(cursor.position).isdigit():
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        envelope = super().get_paginated_response_schema(schema)
        words = {
            "next": "The address of the next page (records with higher ids); null on the last",
            "previous": "The address of the previous page; null on the first",
            "results": "This page's records, in id order",
        }
        for name, description in words.items():
            envelope["properties"][name]["description"] = description
        return envelope
