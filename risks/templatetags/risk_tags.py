"""Risk bands drawn as text tags: the band's name and meaning are always written, colour only adds to them."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from risks.scoring import BAND_MEANINGS

register = template.Library()

BAND_CLASSES = {"Green": "nhsuk-tag--green", "Yellow": "nhsuk-tag--yellow", "Amber": "nhsuk-tag--orange",
                "Red": "nhsuk-tag--red"}


@register.simple_tag
def band_tag(band: str | None) -> str:
    if not band:
        return format_html('<strong class="nhsuk-tag nhsuk-tag--grey">{}</strong>', "Not scored")
    return format_html('<strong class="nhsuk-tag {}">{} ({})</strong>', BAND_CLASSES.get(band, ""), band,
                       BAND_MEANINGS.get(band, ""))
