"""Risk bands drawn as text tags: the band's name and meaning are always written, colour only adds to them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from risks.scoring import BAND_MEANINGS

if TYPE_CHECKING:
    from risks.selectors import StageScore

register = template.Library()

BAND_CLASSES = {"Green": "nhsuk-tag--green", "Yellow": "nhsuk-tag--yellow", "Amber": "nhsuk-tag--orange",
                "Red": "nhsuk-tag--red"}


@register.simple_tag
def band_tag(band: str | None) -> str:
    if not band:
        return format_html('<strong class="nhsuk-tag nhsuk-tag--grey">{}</strong>', "Not scored")
    return format_html('<strong class="nhsuk-tag {}">{} ({})</strong>', BAND_CLASSES.get(band, ""), band,
                       BAND_MEANINGS.get(band, ""))


@register.simple_tag
def risk_score(s: StageScore, not_recorded: str = "") -> str:
    """One of a risk's scores in words: the score (likelihood × impact where recorded), its band, what the paper
    published where likelihood and impact were not recorded (`not_recorded` says so), and any discrepancy.

    A tag, not an included template: the register draws three a risk.
    """
    if not s.score:
        return "Not scored\n"
    product = format_html(" ({}×{})", s.likelihood, s.impact) if s.recorded else ""
    parts = [format_html('<span class="app-nowrap">{}{}</span> ', s.score, product), band_tag(s.band)]
    if not s.recorded:
        parts.append(format_html('<br><span class="nhsuk-body-s">Published “{}”: {}</span>', s.published,
                                 not_recorded or "likelihood and impact not recorded"))
    if s.discrepancy:
        parts.append(format_html('<br><span class="nhsuk-body-s app-discrepancy"><strong>Discrepancy:</strong> {}'
                                 "</span>", s.discrepancy))
    return mark_safe("".join(parts) + "\n")  # noqa: S308  # every part format_html's
