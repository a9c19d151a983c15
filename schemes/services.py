"""Writes to schemes. Keyword-only, typed, atomic; permission checked when a user acts.

`actor=None` means the system itself (management commands, the importer, tasks).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from governance.fields import NOTE_LENGTH, check_length
from governance.formatting import month_label
from governance.models import FinancialYear, Organisation
from governance.money import check_money, money_problem, storable
from governance.permissions import Action, require
from governance.services import month_statuses_lock
from schemes import engine
from schemes.models import (
    BEXLEY_KEY_STAGES,
    STAGE_GATEWAYS,
    DirectorAssessment,
    Figure,
    FigureOverride,
    GatewayDecision,
    KeyStage,
    PanelSitting,
    Programme,
    ProgrammeTarget,
    Rag,
    Scheme,
    SchemeMonth,
    SchemeRating,
    Stage,
    StageChange,
)
from schemes.recompute import scheme_recompute, schemes_recompute
from schemes.selectors import newest_assessment, override_token, rating_tokens, scheme_engine_inputs
from schemes.tasks import recompute_scheme_figures

__all__ = ["scheme_recompute", "schemes_recompute"]  # re-exported: the recompute service's public path

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    User = AbstractBaseUser


class EditConflict(Exception):
    """Someone else saved the same record since this user opened it."""

    def __init__(self, message: str, *, current: Any) -> None:
        super().__init__(message)
        self.current = current


def _check(actor: User | None, action: Action, organisation: Organisation) -> None:
    if actor is not None:
        require(actor, action, organisation)


def _recorded_by(actor: User | None) -> User | None:
    """The user to store as having recorded something (None for the system)."""
    return actor if actor is not None and actor.is_authenticated else None


def schedule_recompute(scheme_ids: Iterable[int]) -> None:
    """Recompute these schemes' figures once the current transaction commits (never from uncommitted data).

    Inside `recompute_batch()` the ids join the batch's one task; otherwise each call sends its own.
    A rolled-back transaction sends nothing (Celery's delay_on_commit is transaction.on_commit).
    """
    ids = set(scheme_ids)
    if not ids:
        return
    batch = _recompute_batch.get()
    if batch is not None:
        batch |= ids
        return
    recompute_scheme_figures.delay_on_commit(sorted(ids))


_recompute_batch: ContextVar[set[int] | None] = ContextVar("recompute_batch", default=None)


@contextmanager
def recompute_batch() -> Iterator[None]:
    """Collect every scheme scheduled inside the block into one recompute task, sent on commit.

    For writes of many schemes in one transaction (an import, the demo loader): one task, not hundreds.
    If the block raises, nothing is sent. Nested batches join the outermost one.
    """
    if _recompute_batch.get() is not None:
        yield
        return
    ids: set[int] = set()
    token = _recompute_batch.set(ids)
    try:
        yield
    finally:
        _recompute_batch.reset(token)
    if ids:
        recompute_scheme_figures.delay_on_commit(sorted(ids))


@transaction.atomic
def programme_get_or_create(*, actor: User | None, organisation: Organisation, name: str, **details: str) -> Programme:
    """The organisation's programme of that name, created (or its leads filled in) if need be."""
    _check(actor, Action.EDIT_SCHEMES, organisation)
    programme = Programme.objects.filter(organisation=organisation, name=name.strip()).first()
    if programme is None:
        programme = Programme(organisation=organisation, name=name.strip(), **details)
    else:
        changed = {k: v for k, v in details.items() if v and getattr(programme, k) != v}
        if not changed:
            return programme
        for key, value in changed.items():
            setattr(programme, key, value)
    # Lengths are checked here as PostgreSQL would, so SQLite never stores what PostgreSQL refuses.
    programme.full_clean(exclude=["organisation"], validate_unique=False)
    programme._history_user = actor  # type: ignore[attr-defined]
    programme.save()
    return programme


@transaction.atomic
def programme_target_set(
    *, actor: User | None, programme: Programme, year: FinancialYear, planned_saving: Decimal, source: str = ""
) -> ProgrammeTarget:
    """A programme's planned saving for a year (e.g. NHS Surrey's four-year table)."""
    _check(actor, Action.SET_FINANCIAL_PLAN, programme.organisation)
    check_length(source, what="source of the target", field="source", limit=300)
    check_money(planned_saving, f"planned saving of {programme.name} for {year}", field="planned_saving")
    target, _ = ProgrammeTarget.objects.update_or_create(
        programme=programme, year=year, defaults={"planned_saving": planned_saving, "source": source}
    )
    return target


SCHEME_INPUT_FIELDS = (
    "programme",
    "reference",
    "name",
    "project_owner",
    "clinical_lead",
    "managerial_lead",
    "description",
    "kpis",
    "phase",
    "scheme_type",
    "go_live",
    "current_cost",
    "gross_saving",
    "new_investment",
    "investment_tbc",
    "stated_net_saving",
    "monthly_profile",
)


SCHEME_MONEY_FIELDS = ("current_cost", "gross_saving", "new_investment", "stated_net_saving")
COMPUTED_MONEY = ("full_year_effect", "plan_in_year", "next_year_effect", "most_likely", "director_value",
                  "director_next_year")


def _validate_scheme(scheme: Scheme) -> None:
    errors: dict[str, list[str]] = {}
    if scheme.programme_id and scheme.programme.organisation_id != scheme.organisation_id:
        errors.setdefault("programme", []).append("Choose a programme of this organisation.")
    if scheme.go_live is not None:
        scheme.go_live = scheme.go_live.replace(day=1)
    if scheme.investment_tbc and scheme.new_investment is not None:
        errors.setdefault("new_investment", []).append(
            "Leave the investment blank while it is to be confirmed, or untick 'to be confirmed'."
        )
    for name in SCHEME_MONEY_FIELDS:
        problem = money_problem(getattr(scheme, name), Scheme._meta.get_field(name).verbose_name)
        if problem:
            errors.setdefault(name, []).append(problem)
    if errors:
        # The engine is not run on amounts that cannot be stored.
        raise ValidationError(errors)
    figures = engine.compute(scheme_engine_inputs(scheme, monthly_profile=None))
    if scheme.monthly_profile:
        try:
            for month, value in enumerate(scheme.monthly_profile, start=1):
                check_money(Decimal(str(value)), f"planned saving for month {month}")
            engine.check_profile([Decimal(str(v)) for v in scheme.monthly_profile], figures.plan_in_year)
        except ValidationError as error:
            errors.setdefault("monthly_profile", []).extend(error.messages)
        except (engine.ProfileError, ArithmeticError, ValueError) as error:
            errors.setdefault("monthly_profile", []).append(str(error))
    too_large = [name for name in COMPUTED_MONEY if not storable(getattr(figures, name))]
    if too_large:
        # Refuse the edit itself: its figures are computed after it commits and must fit their columns.
        labels = ", ".join(str(Scheme._meta.get_field(name).verbose_name) for name in too_large)
        errors.setdefault("gross_saving", []).append(
            f"These amounts would make the scheme's {labels} too large to store: check the figures."
        )
    try:
        # Constraints are checked above in Python (reference, money) or by field choices (phase, stage);
        # full_clean would query the database once per constraint, per scheme of an import.
        scheme.full_clean(exclude=["organisation", "year"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for key, messages in error.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    duplicate = Scheme.objects.filter(
        organisation=scheme.organisation, year=scheme.year, reference=scheme.reference
    ).exclude(pk=scheme.pk)
    if duplicate.exists():
        errors.setdefault("reference", []).append(
            f"{scheme.organisation.name} already has a scheme {scheme.reference} in {scheme.year}."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def scheme_create(
    *, actor: User | None, organisation: Organisation, year: FinancialYear, programme: Programme,
    reference: str, name: str, **details: Any,
) -> Scheme:
    _check(actor, Action.EDIT_SCHEMES, organisation)
    unknown = set(details) - set(SCHEME_INPUT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown scheme fields: {sorted(unknown)}")
    scheme = Scheme(organisation=organisation, year=year, programme=programme, reference=reference.strip(),
                    name=name.strip(), **details)
    _validate_scheme(scheme)
    scheme._history_user = actor  # type: ignore[attr-defined]
    scheme.save()
    schedule_recompute([scheme.pk])
    return scheme


@transaction.atomic
def scheme_update(*, actor: User | None, scheme: Scheme, expected_version: int | None,
                  changes: Mapping[str, Any]) -> Scheme:
    """Apply a user's edit. Refused if someone else saved since `expected_version` was read."""
    _check(actor, Action.EDIT_SCHEMES, scheme.organisation)
    current, changed = _versioned_update(
        actor=actor, queryset=Scheme.objects.select_for_update(of=("self",)), pk=scheme.pk,
        expected_version=expected_version, changes=changes, allowed=SCHEME_INPUT_FIELDS,
        validate=_validate_scheme,
        conflict=lambda c: f"{c.reference} {c.name} was changed by someone else while you were editing it. "
        "Your changes have not been saved: compare the two versions below.",
    )
    if changed:
        schedule_recompute([current.pk])
    return current


def _versioned_update(
    *, actor: User | None, queryset: Any, pk: int, expected_version: int | None, changes: Mapping[str, Any],
    allowed: Iterable[str], validate: Any, conflict: Any,
) -> tuple[Any, bool]:
    """Apply a user's edit to a versioned record, refusing it if someone saved since they read it.

    Returns the record and whether anything changed (an edit that changes nothing is not a new version).
    """
    unknown = set(changes) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown fields: {sorted(unknown)}")
    current = queryset.get(pk=pk)
    if expected_version is not None and current.version != expected_version:
        raise EditConflict(conflict(current), current=current)
    actual_changes = {k: v for k, v in changes.items() if getattr(current, k) != v}
    if not actual_changes:
        return current, False
    for key, value in actual_changes.items():
        setattr(current, key, value)
    validate(current)
    current.version += 1
    current._history_user = actor
    current.save()
    return current, True


@dataclass(frozen=True)
class RatingInput:
    scheme: Scheme
    value: str
    resources: str
    timescales: str
    codependencies: str
    overall: str
    comment: str = ""


@transaction.atomic
def panel_sitting_record(
    *, actor: User | None, organisation: Organisation, year: FinancialYear, held_on: date,
    ratings: Iterable[RatingInput], panel: str = "RAG panel", notes: str = "",
    seen_tokens: Mapping[int, int] | None = None,
) -> PanelSitting:
    """Record (or correct) a dated sitting's ratings for many schemes at once."""
    _check(actor, Action.RATE_SCHEMES, organisation)
    ratings = list(ratings)
    valid = set(Rag.values)
    for rating in ratings:
        if rating.scheme.organisation_id != organisation.pk or rating.scheme.year_id != year.pk:
            raise ValidationError(f"{rating.scheme} is not a {organisation.name} scheme for {year}.")
        for dimension in ("value", "resources", "timescales", "codependencies", "overall"):
            if getattr(rating, dimension) not in valid:
                raise ValidationError(f"{rating.scheme.reference}: rate {dimension} as Green, Amber or Red.")
    if held_on > timezone.localdate():
        raise ValidationError("A panel sitting cannot be dated in the future.")
    check_length(panel, what="panel's name", field="panel", limit=100)
    check_length(notes, what="notes", field="notes")
    for rating in ratings:
        check_length(rating.comment, what=f"comment on {rating.scheme.reference}", field="comment")
    if seen_tokens is not None:
        # Lock the schemes, then compare: ratings saved since this user's page was drawn win.
        ids = [rating.scheme.pk for rating in ratings]
        list(Scheme.objects.select_for_update(of=("self",)).filter(pk__in=ids).values_list("pk"))
        now = rating_tokens(ids)
        changed = [r.scheme for r in ratings if now.get(r.scheme.pk, 0) != seen_tokens.get(r.scheme.pk, 0)]
        if changed:
            names = ", ".join(f"{s.reference} {s.name}" for s in changed)
            raise EditConflict(
                f"Someone else recorded ratings for {names} while you were rating. Nothing has been saved: "
                "their ratings are shown below; check them and save again to replace them.",
                current=changed,
            )
    sitting, _ = PanelSitting.objects.get_or_create(
        organisation=organisation, year=year, held_on=held_on, panel=panel,
        defaults={"notes": notes, "recorded_by": _recorded_by(actor)},
    )
    changed: list[int] = []
    for rating in ratings:
        values = {
            "value": rating.value, "resources": rating.resources, "timescales": rating.timescales,
            "codependencies": rating.codependencies, "overall": rating.overall, "comment": rating.comment,
        }
        existing = SchemeRating.objects.filter(sitting=sitting, scheme=rating.scheme).first()
        if existing and all(getattr(existing, k) == v for k, v in values.items()):
            continue
        record = existing or SchemeRating(sitting=sitting, scheme=rating.scheme)
        for key, value in values.items():
            setattr(record, key, value)
        record._history_user = actor  # type: ignore[attr-defined]
        record.save()
        changed.append(rating.scheme.pk)
    schedule_recompute(changed)
    return sitting


@transaction.atomic
def director_assessment_record(
    *, actor: User | None, scheme: Scheme, assessed_on: date, change_months: int, director: str = "",
    note: str = "", expected_latest_id: int | None = None,
) -> DirectorAssessment:
    """Record a director's change in delivery (one per scheme and date; the newest date is used).

    `expected_latest_id` is the newest assessment the user's page showed (0 for none): if another
    one was recorded since, nothing is saved.
    """
    _check(actor, Action.ASSESS_DELIVERY, scheme.organisation)
    if expected_latest_id is not None:
        Scheme.objects.select_for_update(of=("self",)).filter(pk=scheme.pk).exists()
        latest = newest_assessment(scheme)
        if latest is not None and latest.pk != expected_latest_id:
            raise EditConflict(
                f"Someone else recorded a director's assessment of {scheme.reference} meanwhile: "
                f"{latest.change_months:+d} months on {latest.assessed_on:%d/%m/%Y}"
                f"{' by ' + latest.director if latest.director else ''}. Nothing has been saved: check it and "
                "save again to record yours.",
                current=latest,
            )
    if not -12 <= change_months <= 12:
        raise ValidationError("Change in delivery must be a whole number of months between -12 and +12.")
    check_length(director, what="director's name", field="director", limit=200)
    check_length(note, what="note", field="note")
    assessment = DirectorAssessment.objects.filter(scheme=scheme, assessed_on=assessed_on).first()
    if assessment and (assessment.change_months, assessment.director, assessment.note) == (
        change_months, director, note
    ):
        return assessment
    assessment = assessment or DirectorAssessment(scheme=scheme, assessed_on=assessed_on)
    assessment.change_months = change_months
    assessment.director = director
    assessment.note = note
    assessment.recorded_by = _recorded_by(actor)
    assessment._history_user = actor  # type: ignore[attr-defined]
    assessment.save()
    schedule_recompute([scheme.pk])
    return assessment


def _check_overrides_unchanged(scheme: Scheme, expected_token: int | None) -> None:
    """Refuse when the scheme's overrides changed since the user's page was drawn (call inside a transaction)."""
    if expected_token is None:
        return
    Scheme.objects.select_for_update(of=("self",)).filter(pk=scheme.pk).exists()
    if override_token(scheme) != expected_token:
        raise EditConflict(
            f"Someone else changed the overrides of {scheme.reference} {scheme.name} while you were editing. "
            "Nothing has been saved: the figures as they are now are shown below.",
            current=scheme,
        )


@transaction.atomic
def figure_override_set(
    *, actor: User | None, scheme: Scheme, figure: str, value: Decimal, reason: str,
    expected_token: int | None = None,
) -> FigureOverride:
    """Set a computed figure by hand. The reason is mandatory and kept.

    `expected_token` (selectors.override_token as the page was drawn) guards against two people
    overriding the same scheme at once.
    """
    _check(actor, Action.OVERRIDE_FIGURES, scheme.organisation)
    _check_overrides_unchanged(scheme, expected_token)
    if figure not in Figure.values:
        raise ValidationError(f"{figure} is not a figure that can be overridden.")
    check_money(value, f"{Figure(figure).label.lower()} override", field="value")
    if not reason or not reason.strip():
        raise ValidationError("Give a reason for the override: it is shown wherever the figure appears.")
    check_length(reason.strip(), what="reason for the override", field="reason")
    current = FigureOverride.objects.select_for_update().filter(
        scheme=scheme, figure=figure, cleared_at__isnull=True
    ).first()
    if current and current.value == value and current.reason == reason.strip():
        return current
    if current:
        _clear(current, actor, f"Replaced by a new override: {reason.strip()}")
    override = FigureOverride(
        scheme=scheme, figure=figure, value=value, reason=reason.strip(),
        created_by=_recorded_by(actor),
    )
    override._history_user = actor  # type: ignore[attr-defined]
    override.save()
    schedule_recompute([scheme.pk])
    return override


def _clear(override: FigureOverride, actor: User | None, reason: str) -> None:
    override.cleared_at = timezone.now()
    override.cleared_by = _recorded_by(actor)
    override.clear_reason = reason
    override._history_user = actor  # type: ignore[attr-defined]
    override.save()


@transaction.atomic
def figure_override_clear(
    *, actor: User | None, scheme: Scheme, figure: str, reason: str, expected_token: int | None = None
) -> None:
    _check(actor, Action.OVERRIDE_FIGURES, scheme.organisation)
    _check_overrides_unchanged(scheme, expected_token)
    if not reason or not reason.strip():
        raise ValidationError("Give a reason for clearing the override.")
    check_length(reason.strip(), what="reason for clearing the override", field="reason")
    current = FigureOverride.objects.select_for_update().filter(
        scheme=scheme, figure=figure, cleared_at__isnull=True
    ).first()
    if current is None:
        raise ValidationError("That figure is not overridden.")
    _clear(current, actor, reason.strip())
    schedule_recompute([scheme.pk])


# --- Monthly progress, stage gates and key stages ---------------------------------------------------


@dataclass(frozen=True)
class MonthEdit:
    """One month's actual and forecast as the user left them, with the version they started from."""

    month: int
    expected_version: int
    actual: Decimal | None
    forecast: Decimal | None


@transaction.atomic
def scheme_month_update(*, actor: User | None, scheme: Scheme, edits: Iterable[MonthEdit]) -> list[SchemeMonth]:
    """Save a scheme's actual and forecast savings for some months: all of them or none.

    Refused with a clear message when a month is closed, and with EditConflict when someone else saved
    a month since the user read it (`expected_version`; 0 for a month with no row yet).
    """
    _check(actor, Action.RECORD_PROGRESS, scheme.organisation)
    edits = list(edits)
    months = [edit.month for edit in edits]
    if len(set(months)) != len(months) or any(not 1 <= m <= 12 for m in months):
        raise ValidationError("Each month (M1 to M12) can be changed once per save.")
    start = scheme.year.start_year
    for edit in edits:
        label = month_label(start, edit.month)
        check_money(edit.actual, f"actual saving for {label}")
        check_money(edit.forecast, f"forecast saving for {label}")
    if not edits:
        return []
    # Lock the months' statuses so finance cannot close a month half-way through this save.
    statuses = month_statuses_lock(organisation=scheme.organisation, year=scheme.year, months=months)
    closed = [status for status in statuses.values() if status.is_closed]
    if closed:
        names = ", ".join(month_label(start, status.month) for status in closed)
        verb = "is" if len(closed) == 1 else "are"
        raise ValidationError(
            f"{names} {verb} closed, so {'its' if len(closed) == 1 else 'their'} actual and forecast cannot be "
            "changed. Nothing has been saved. Ask finance to reopen the month if a figure is wrong."
        )
    rows = {row.month: row for row in SchemeMonth.objects.select_for_update().filter(scheme=scheme, month__in=months)}
    stale = [edit.month for edit in edits if edit.expected_version != (rows[edit.month].version
                                                                        if edit.month in rows else 0)]
    if stale:
        names = ", ".join(month_label(start, m) for m in sorted(stale))
        raise EditConflict(
            f"Someone else saved {names} of {scheme.reference} {scheme.name} while you were editing. "
            "Nothing has been saved: compare your figures with the saved ones below, then save again.",
            current={m: rows.get(m) for m in sorted(stale)},
        )
    saved = []
    for edit in edits:
        row = rows.get(edit.month) or SchemeMonth(scheme=scheme, month=edit.month, version=0)
        if (row.actual, row.forecast) == (edit.actual, edit.forecast):
            continue
        row.actual = edit.actual
        row.forecast = edit.forecast
        row.version += 1
        row.updated_by = _recorded_by(actor)
        row._history_user = actor  # type: ignore[attr-defined]
        row.save()
        saved.append(row)
    if saved:
        # Actuals and forecasts feed the rolled-up figures; recompute once the save has committed.
        schedule_recompute([scheme.pk])
    return saved


@transaction.atomic
def scheme_stage_change(
    *, actor: User | None, scheme: Scheme, expected_version: int | None, to_stage: int, approver: str,
    decided_on: date, decision: str, note: str = "", confirmed: Iterable[str] = (),
) -> StageChange:
    """Move a scheme between lifecycle stages with the gateway approval recorded.

    Forward: one stage at a time, decision approved and every approval the current stage's gateway
    needs confirmed. Back: any number of stages, approved, with the reason in `note`. A decision
    "not approved" is recorded with its reason and the scheme stays where it is.
    """
    _check(actor, Action.APPROVE_GATEWAYS, scheme.organisation)
    current = Scheme.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=scheme.pk)
    if expected_version is not None and current.version != expected_version:
        raise EditConflict(
            f"{current.reference} {current.name} was changed by someone else (it is now at stage "
            f"{current.get_stage_display()}). Nothing has been saved: check the stage and record the move again.",
            current=current,
        )
    errors: dict[str, list[str]] = {}
    approver = (approver or "").strip()
    note = (note or "").strip()
    if to_stage not in Stage.values:
        errors["to_stage"] = ["Choose a stage from 0 Pipeline to 5 Closure."]
    elif to_stage == current.stage:
        errors["to_stage"] = [f"The scheme is already at stage {current.get_stage_display()}: choose another stage."]
    elif to_stage > current.stage + 1:
        errors["to_stage"] = [
            f"Move one stage at a time: from {current.get_stage_display()} the next stage is "
            f"{Stage(current.stage + 1).label}. Each stage has its own gateway approval."
        ]
    if not approver:
        errors["approver"] = ["Enter the name of the person or group who gave the gateway approval."]
    elif len(approver) > 200:
        errors["approver"] = ["The name of who decided must be 200 characters or fewer."]
    if len(note) > NOTE_LENGTH:
        errors["note"] = [f"The note must be {NOTE_LENGTH:,} characters or fewer (it has {len(note):,})."]
    if decided_on is None:
        errors["decided_on"] = ["Enter the date of the decision."]
    elif decided_on > timezone.localdate():
        errors["decided_on"] = ["The date of the decision cannot be in the future."]
    if decision not in GatewayDecision.values:
        errors["decision"] = ["Choose whether the gateway was approved or not approved."]
    refused = decision == GatewayDecision.NOT_APPROVED
    if refused and "to_stage" not in errors and not note:
        # A refusal is recorded too (the panel's decision is part of the scheme's record); it needs its reason.
        errors["note"] = ["Give the reason the gateway was not approved: it is kept in the scheme's history."]
    forward = "to_stage" not in errors and to_stage > current.stage
    if refused:
        pass
    elif forward:
        required = dict(STAGE_GATEWAYS[current.stage])
        missing = [label for key, label in required.items() if key not in set(confirmed)]
        if missing:
            errors["confirmed"] = [f"Confirm the approval has been recorded: {label}." for label in missing]
    elif "to_stage" not in errors and not note:
        errors["note"] = ["Give the reason for moving the scheme back: it is kept in the scheme's history."]
    if errors:
        raise ValidationError(errors)
    if forward and not refused:
        gateway = "; ".join(label for _, label in STAGE_GATEWAYS[current.stage])
        note = f"Gateway approvals confirmed: {gateway}." + (f"\n{note}" if note else "")
    change = StageChange.objects.create(
        scheme=current, from_stage=current.stage, to_stage=to_stage, decision=decision, approver=approver,
        decided_on=decided_on, note=note, recorded_by=_recorded_by(actor),
    )
    if refused:
        return change  # recorded; the scheme stays where it is
    current.stage = to_stage
    current.version += 1
    current._history_user = actor  # type: ignore[attr-defined]
    current._change_reason = f"Stage {change.from_stage} to {to_stage}"  # type: ignore[attr-defined]
    current.save()
    return change


KEY_STAGE_FIELDS = ("name", "order", "baseline_date", "current_date", "completed_on", "note")


def _validate_key_stage(key_stage: KeyStage) -> None:
    errors: dict[str, list[str]] = {}
    key_stage.name = (key_stage.name or "").strip()
    if not key_stage.name:
        errors["name"] = ["Enter the name of the stage or milestone."]
    if key_stage.current_date and not key_stage.baseline_date:
        errors["baseline_date"] = ["Enter the baseline date: slippage is measured against it."]
    if len(key_stage.note or "") > NOTE_LENGTH:
        errors["note"] = [f"The note must be {NOTE_LENGTH:,} characters or fewer (it has {len(key_stage.note):,})."]
    if errors:
        raise ValidationError(errors)
    try:
        key_stage.full_clean(exclude=["scheme"])
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None


@transaction.atomic
def key_stage_create(
    *, actor: User | None, scheme: Scheme, name: str, baseline_date: date | None = None,
    current_date: date | None = None, completed_on: date | None = None, note: str = "", order: int | None = None,
) -> KeyStage:
    """Add a dated stage or milestone. Its current date starts at the baseline when not given."""
    _check(actor, Action.EDIT_SCHEMES, scheme.organisation)
    if order is None:
        last = KeyStage.objects.filter(scheme=scheme).order_by("-order").values_list("order", flat=True).first()
        order = (last or 0) + 1
    key_stage = KeyStage(scheme=scheme, name=name, order=order, baseline_date=baseline_date,
                         current_date=current_date or baseline_date, completed_on=completed_on, note=note.strip())
    _validate_key_stage(key_stage)
    key_stage._history_user = actor  # type: ignore[attr-defined]
    key_stage.save()
    return key_stage


@transaction.atomic
def key_stage_update(
    *, actor: User | None, key_stage: KeyStage, expected_version: int | None, changes: Mapping[str, Any]
) -> KeyStage:
    """Change a key stage (e.g. a new current date). Refused if someone else saved it since it was read."""
    _check(actor, Action.EDIT_SCHEMES, key_stage.scheme.organisation)
    current, _ = _versioned_update(
        actor=actor, queryset=KeyStage.objects.select_for_update(), pk=key_stage.pk,
        expected_version=expected_version, changes=changes, allowed=KEY_STAGE_FIELDS, validate=_validate_key_stage,
        conflict=lambda c: f'"{c.name}" was changed by someone else while you were editing it. Nothing has been '
        "saved: compare the two versions below.",
    )
    return current


@transaction.atomic
def key_stage_remove(*, actor: User | None, key_stage: KeyStage, expected_version: int | None) -> None:
    """Remove a stage from a scheme's plan; its history (who removed it, when) is kept."""
    _check(actor, Action.EDIT_SCHEMES, key_stage.scheme.organisation)
    current = KeyStage.objects.select_for_update().get(pk=key_stage.pk)
    if expected_version is not None and current.version != expected_version:
        raise EditConflict(
            f'"{current.name}" was changed by someone else while you were looking at it. Nothing has been '
            "removed: check it and remove it again if you still want to.",
            current=current,
        )
    current._history_user = actor  # type: ignore[attr-defined]
    current.delete()


@transaction.atomic
def key_stages_from_template(*, actor: User | None, scheme: Scheme, first_date: date) -> list[KeyStage]:
    """Add Bexley's 20 key stages, baselined a month apart from `first_date`.

    Idempotent: a stage the scheme already has (same name, any case) is not added again, so running
    it twice adds nothing the second time. Returns the stages added.
    """
    _check(actor, Action.EDIT_SCHEMES, scheme.organisation)
    if first_date is None:
        raise ValidationError({"first_date": ["Enter the baseline date of the first stage."]})
    try:
        engine.add_months(first_date, len(BEXLEY_KEY_STAGES) - 1)
    except (ValueError, OverflowError):
        raise ValidationError({"first_date": ["The stages would run past the year 9999: enter an earlier date."]}
                              ) from None
    # Lock the scheme so two people pressing the button at once cannot both add the stages.
    Scheme.objects.select_for_update(of=("self",)).filter(pk=scheme.pk).first()
    existing = {name.casefold() for name in KeyStage.objects.filter(scheme=scheme).values_list("name", flat=True)}
    last_order = KeyStage.objects.filter(scheme=scheme).order_by("-order").values_list("order", flat=True).first()
    added = []
    for index, name in enumerate(BEXLEY_KEY_STAGES):
        if name.casefold() in existing:
            continue
        when = engine.add_months(first_date, index)
        key_stage = KeyStage(scheme=scheme, order=(last_order or 0) + index + 1, name=name, baseline_date=when,
                             current_date=when)
        key_stage._history_user = actor  # type: ignore[attr-defined]
        key_stage.save()
        added.append(key_stage)
    return added
