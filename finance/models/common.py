"""What finance's models share: the month validators and the lengths of short texts and leads' names."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator

MONTHS = [MinValueValidator(1), MaxValueValidator(12)]
SHORT_TEXT = 300
LEAD_LENGTH = 100
