"""The choices of schemes' fields, in the users' words: RAG ratings, scheme types, phases, stages and figures."""

from __future__ import annotations

from django.db import models


class Rag(models.TextChoices):
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


class SchemeType(models.TextChoices):
    TRANSACTIONAL = "transactional", "Transactional"
    TRANSFORMATIONAL = "transformational", "Transformational"


class Phase(models.IntegerChoices):
    # Bexley's phases: 1 is the most complex redesign with the longest lead-in, 4 is delivered
    # by renegotiating a contract or already done.
    ONE = 1, "1 - complex redesign, longest lead-in"
    TWO = 2, "2 - redesign"
    THREE = 3, "3 - shorter lead-in"
    FOUR = 4, "4 - contract renegotiation or already done"


class Stage(models.IntegerChoices):
    PIPELINE = 0, "0 Pipeline"
    INITIATION = 1, "1 Initiation"
    PLANNING = 2, "2 Planning"
    DELIVERY = 3, "3 Delivery"
    MONITORING = 4, "4 Monitoring"
    CLOSURE = 5, "5 Closure"


# DOMAIN.md "Stage gates": the gateway approvals needed to move on from each stage, as
# (key, what must be recorded). Moving forward needs every approval of the current stage.
STAGE_GATEWAYS: dict[int, tuple[tuple[str, str], ...]] = {
    Stage.PIPELINE: (
        ("finance_review", "Finance review"),
        ("management_executive_review", "Management executive review"),
    ),
    Stage.INITIATION: (
        ("clinical_executive_review", "Clinical executive review"),
        ("impact_assessment_sign_off",
         "Impact assessors sign off (quality and equality impact assessment)"),
    ),
    Stage.PLANNING: (("pmo_plan_review", "PMO review of finalised plans (project initiation document)"),),
    Stage.DELIVERY: (("pmo_monitoring_ready", "PMO able to monitor: KPIs and finances in place"),),
    Stage.MONITORING: (("pmo_benefits_recorded", "PMO records the benefits delivered"),),
    Stage.CLOSURE: (("pmo_closed", "PMO records the scheme as closed"),),
}


class Figure(models.TextChoices):
    """Computed figures a user with the right role may override (with a reason)."""

    FULL_YEAR_EFFECT = "full_year_effect", "Full-year effect"
    PLAN_IN_YEAR = "plan_in_year", "In-year plan"
    NEXT_YEAR_EFFECT = "next_year_effect", "Next-year effect"
    MOST_LIKELY = "most_likely", "Most likely"
    DIRECTOR_VALUE = "director_value", "Director's value this year"
    DIRECTOR_NEXT_YEAR = "director_next_year", "Director's value next year"


class GatewayDecision(models.TextChoices):
    APPROVED = "approved", "Approved"
    NOT_APPROVED = "not_approved", "Not approved"
