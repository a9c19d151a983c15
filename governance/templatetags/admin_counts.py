"""The admin's list counts as the paginator knows them (governance.admin.lists): "more than 1,000" where a
filtered list stopped counting, so a page never claims an exact number it did not count."""

from __future__ import annotations

from django import template

from governance.admin.lists import count_text

register = template.Library()
register.filter("count_text", count_text)
