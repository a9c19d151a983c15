"""The registers' cells as the pages write them: the scheme register's rows (schemes.presentation.register_lines,
over plain values: no database), its money cells (one tag a row) and sortable headings (one tag a heading, as the
include wrote them), the risk register's scores (one tag a score, likewise), and the form widgets
(governance.forms.rendering.PortalFormRenderer: Django's HTML for selects and inputs without templates).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils.safestring import mark_safe

from governance.forms import PortalFormRenderer
from governance.templatetags.portal import money_cells, sort_header
from risks.selectors import StageScore
from risks.templatetags.risk_tags import risk_score
from schemes.presentation import register_lines
from schemes.views.common import url_of_each

D = Decimal
MONEY = ("current_cost", "full_year_effect", "plan_in_year", "next_year_effect", "most_likely", "director_value",
         "director_next_year", "ytd_actual")


def row(**values: Any) -> dict[str, Any]:
    plain: dict[str, Any] = {
        "pk": 7, "reference": "15b", "name": "Continuing care <review>", "programme__name": "Planned care",
        "phase": 2, "stage": 3, "go_live": date(2013, 7, 1), "overall_rag": "amber", "overrides": [],
        "figures_computed_at": None, **dict.fromkeys(MONEY, D("0")),
    }
    plain.update(values)
    return plain


def test_a_row_is_written_once_in_words_and_pounds() -> None:
    [line] = register_lines([row(current_cost=None, plan_in_year=D("1164417.40"), most_likely=D("-1115.50"),
                                 ytd_actual=None)], href=lambda pk: f"/schemes/{pk}/")
    assert line.href == "/schemes/7/"
    assert (line.reference, line.name, line.programme) == ("15b", "Continuing care <review>", "Planned care")
    assert (line.phase, line.stage, line.go_live, line.rag) == ("2", "3 Delivery", "Jul-13", "amber")
    assert [amount for amount, _ in line.money] == ["–", "£0", "£1,164,417", "£0", "(£1,116)", "£0", "£0", "–"]


def test_no_phase_go_live_or_rating_is_a_dash_and_not_rated() -> None:
    [line] = register_lines([row(phase=None, go_live=None, overall_rag="")], href=str)
    assert (line.phase, line.go_live, line.rag) == ("–", "–", "")


def test_each_override_in_force_is_on_its_own_figure_newest_first() -> None:
    overrides = [("plan_in_year", "as published"), ("plan_in_year", "older"), ("most_likely", "panel")]
    [line] = register_lines([row(overrides=overrides)], href=str)
    reasons = dict(zip(MONEY, (r for _, r in line.money), strict=True))
    assert reasons["plan_in_year"] == ("as published", "older")
    assert reasons["most_likely"] == ("panel",)
    assert [name for name, r in reasons.items() if r] == ["plan_in_year", "most_likely"]


def test_money_cells_mark_overrides_before_the_amount() -> None:
    html = money_cells([("£1,164,417", ("as <published>",)), ("(£5)", ())])
    cell = '<td class="nhsuk-table__cell nhsuk-table__cell--numeric app-nowrap">'
    assert html == (
        f'{cell}<span class="app-override-marker" title="Overridden: as &lt;published&gt;">*'
        '<span class="nhsuk-u-visually-hidden"> (overridden: as &lt;published&gt;)</span></span> £1,164,417</td>\n'
        f"{cell}(£5)</td>\n"
    )


def test_a_row_of_urls_is_reversed_once_and_is_each_schemes_url() -> None:
    href = url_of_each("schemes:detail")

    assert [href(pk) for pk in (1, 20, 2_147_000_123)] == [reverse("schemes:detail", args=[pk])
                                                          for pk in (1, 20, 2_147_000_123)]


INCLUDE = (  # the include the tag replaced, as it was
    '<th scope="col" class="nhsuk-table__header{% if numeric %} nhsuk-table__header--numeric{% endif %}"'
    '{% if aria_sort %} aria-sort="{{ aria_sort }}"{% endif %}>\n'
    '  <a class="app-sort-link" href="{{ href }}">{{ label }}<span class="nhsuk-u-visually-hidden">, sort '
    '{{ next_direction }}</span>{% if aria_sort == "ascending" %}<span class="app-sort-indicator" '
    'aria-hidden="true"> ▲</span>{% elif aria_sort == "descending" %}<span class="app-sort-indicator" '
    'aria-hidden="true"> ▼</span>{% endif %}</a>\n</th>\n'
)


def test_a_sortable_heading_is_written_as_the_include_wrote_it() -> None:
    request = RequestFactory().get("/schemes/", {"q": "a&b", "sort": "name"})
    for current in ("name", "-name", "", "reference"):
        for numeric in (False, True):
            context = Context({"request": request, "sort": current})
            tag = sort_header(context, "name", "Scheme <name>", numeric=numeric)
            next_sort = "-name" if current == "name" else "name"
            direction = {"name": "ascending", "-name": "descending"}.get(current, "")
            expected = Template(INCLUDE).render(Context({
                "label": "Scheme <name>", "numeric": numeric, "aria_sort": direction,
                "href": f"?q=a%26b&sort={next_sort}",
                "next_direction": "descending" if next_sort.startswith("-") else "ascending",
            }))
            assert tag == expected


RENDERERS = (PortalFormRenderer(), DjangoTemplates())  # the portal's, and Django's own


@pytest.mark.parametrize(("choices", "value", "attrs"), [
    ([("", "Any"), (1, "One & <two>"), ('x"y', mark_safe("<b>kept</b>"))], "1",
     {"id": "id_stage", "class": "nhsuk-select", "required": True, "disabled": False}),
    ([("", "Any"), ("Group <g>", [(1, "a"), (2, "b")]), (3, "c")], ["2", "3"], {"aria-describedby": "x-hint x-error"}),
    ([], None, None),
    ([(None, "none"), (0, "0 Pipeline")], 0, {}),
])
def test_the_select_writes_what_djangos_templates_write(choices: Any, value: Any, attrs: Any) -> None:
    ours, djangos = (forms.Select(choices=choices).render("st&ge", value, attrs, renderer=r) for r in RENDERERS)
    assert ours == djangos
    multiple = [forms.SelectMultiple(choices=choices).render("m", value, attrs, renderer=r) for r in RENDERERS]
    assert multiple[0] == multiple[1]


@pytest.mark.parametrize(("value", "attrs"), [
    (None, {"id": "id_q", "class": "nhsuk-input", "aria-describedby": "id_q-hint", "required": True}),
    ('care & "review" <b>', {"disabled": False, "autofocus": True}),
    (mark_safe("<kept>"), None),
    (0, {}),
    ("", {"maxlength": 30}),
])
@pytest.mark.parametrize("widget", [forms.TextInput, forms.NumberInput, forms.HiddenInput, forms.EmailInput,
                                    forms.DateInput, forms.PasswordInput, forms.CheckboxInput, forms.Textarea])
def test_the_inputs_write_what_djangos_templates_write(widget: type[forms.Widget], value: Any, attrs: Any) -> None:
    ours, djangos = (widget().render("q&x", value, attrs, renderer=r) for r in RENDERERS)
    assert ours == djangos


def test_a_widget_with_a_template_of_its_own_keeps_it() -> None:
    class Radios(forms.Select):
        template_name = forms.RadioSelect.template_name
        option_template_name = forms.RadioSelect.option_template_name
        input_type = "radio"
        checked_attribute = {"checked": True}  # noqa: RUF012  # as RadioSelect's

    class Options(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    choices = [("a", "A"), ("b", "B")]
    assert Radios(choices=choices).render("r", "a", renderer=RENDERERS[0]) == forms.RadioSelect(
        choices=choices).render("r", "a", renderer=RENDERERS[1])
    ours, djangos = (Options(choices=choices).render("o", "a", renderer=r) for r in RENDERERS)
    assert ours == djangos


def test_the_portal_renders_forms_with_its_renderer() -> None:
    assert isinstance(get_default_renderer(), PortalFormRenderer)


def test_selects_and_inputs_are_written_without_a_template(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_template(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("rendered by a template")

    renderer = PortalFormRenderer()
    monkeypatch.setattr(DjangoTemplates, "render", no_template)
    assert forms.Select(choices=[(1, "a")]).render("s", 1, renderer=renderer).startswith('<select name="s">')
    assert forms.TextInput().render("t", "x", renderer=renderer) == '<input type="text" name="t" value="x">'


SCORE_INCLUDE = (  # risks/_score.html, the include the risk_score tag replaced, as it was
    "{% load risk_tags %}{% if s.score %}<span class=\"app-nowrap\">{{ s.score }}{% if s.recorded %} "
    "({{ s.likelihood }}×{{ s.impact }}){% endif %}</span> {% band_tag s.band %}{% if not s.recorded %}<br>"
    "<span class=\"nhsuk-body-s\">Published “{{ s.published }}”: "
    "{{ not_recorded|default:\"likelihood and impact not recorded\" }}</span>{% endif %}{% if s.discrepancy %}<br>"
    "<span class=\"nhsuk-body-s app-discrepancy\"><strong>Discrepancy:</strong> {{ s.discrepancy }}</span>{% endif %}"
    "{% else %}Not scored{% endif %}\n"
)


@pytest.mark.parametrize("score", [
    StageScore("current", "Current", 4, 5, 20, "Red", recorded=True, published="", discrepancy=""),
    StageScore("current", "Current", 2, 3, 6, "Yellow", recorded=True, published="6 <medium>",
               discrepancy="the paper says <12>"),
    StageScore("target", "Target", None, None, 12, "Amber", recorded=False, published="12 & rising", discrepancy=""),
    StageScore("start", "Year start", None, None, None, None, recorded=False, published="", discrepancy=""),
    StageScore("start", "Year start", 0, 3, 0, None, recorded=True, published="", discrepancy=""),
])
@pytest.mark.parametrize("not_recorded", ["", "not recorded in the <paper>"])
def test_a_risk_score_is_written_as_the_include_wrote_it(score: StageScore, not_recorded: str) -> None:
    expected = Template(SCORE_INCLUDE).render(Context({"s": score, "not_recorded": not_recorded}))
    assert risk_score(score, not_recorded) == expected
    assert Template("{% load risk_tags %}{% risk_score s missing %}").render(Context({"s": score})) == Template(
        SCORE_INCLUDE).render(Context({"s": score}))
