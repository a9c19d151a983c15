"""The portal's form renderer (settings.FORM_RENDERER): Django's select and input widgets written in Python, with
the same HTML."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django import forms
from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


def _html_attrs(attrs: Mapping[str, Any]) -> str:
    """Django's widgets/attrs.html in Python: ` name="value"`, a bare ` name` for True, nothing for False."""
    return "".join(f" {conditional_escape(name)}" if value is True else
                   f' {conditional_escape(name)}="{conditional_escape(value)}"'
                   for name, value in attrs.items() if value is not False)


def _input_html(widget: Mapping[str, Any]) -> str:
    """Django's widgets/input.html in Python."""
    value = "" if widget["value"] is None else f' value="{conditional_escape(widget["value"])}"'
    return (f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"{value}'
            f'{_html_attrs(widget["attrs"])}>')


_SELECT, _OPTION = "django/forms/widgets/select.html", "django/forms/widgets/select_option.html"


def _select_html(widget: Mapping[str, Any]) -> str | None:
    """Django's widgets/select.html and select_option.html in Python; None when an option has a template of its
    own (then the templates write it)."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_html_attrs(widget["attrs"])}>']
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            if option["template_name"] != _OPTION:
                return None
            parts.append(f'\n  <option value="{conditional_escape(option["value"])}"{_html_attrs(option["attrs"])}>'
                         f'{conditional_escape(option["label"])}</option>\n')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")  # the renderer strips the template's last newline
    return "".join(parts)


# Django's widget templates that only include input.html (text boxes, numbers, dates, check boxes, hidden ...).
_INPUTS = frozenset(f"django/forms/widgets/{name}.html" for name in (
    "input", "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time", "search", "tel",
    "color", "checkbox", "file"))


class PortalFormRenderer(DjangoTemplates):
    """Django's form renderer (settings.FORM_RENDERER), with its select and input widgets written in Python with the
    same HTML: the select's template includes a template an option and an attribute list, which was most of the time
    of a page's filter form (the risk register's scheme select has an option a scheme). Any other template, or one
    of these that an app overrides, is rendered as Django renders it."""

    def render(self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None) -> str:
        if template_name in self._django_own:
            widget = context["widget"]
            html = _select_html(widget) if template_name == _SELECT else _input_html(widget)
            if html is not None:
                return mark_safe(html)  # noqa: S308  # every value escaped
        return super().render(template_name, context, request)

    @cached_property
    def _django_own(self) -> frozenset[str]:
        """Those of the templates written in Python that no app overrides (Django's own files are found first)."""
        django_dir = Path(forms.__file__).parent / "templates"
        names = {*_INPUTS, _SELECT, _OPTION, "django/forms/widgets/attrs.html"}
        own = {name for name in names
               if Path(self.get_template(name).origin.name).is_relative_to(django_dir)}
        if not {_OPTION, "django/forms/widgets/attrs.html", "django/forms/widgets/input.html"} <= own:
            return frozenset()
        return frozenset(own & ({*_INPUTS, _SELECT}))
