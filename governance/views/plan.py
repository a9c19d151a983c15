"""The improvement plan's pages (issue 8 section 3): the plan, its actions, revised due dates, new
requirements and actions, and the monthly updates.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from governance import forms as plan_forms
from governance import selectors as plan_selectors
from governance import services
from governance.filters import PlanActionFilterSet
from governance.formatting import month_label
from governance.forms import (
    CONFLICT,
    PlanActionForm,
    PlanUpdatePublishForm,
    RevisedDueDateForm,
    add_service_errors,
    form_after_conflict,
    form_errors,
)
from governance.middleware import follow_into, working_of
from governance.models import FinancialYear, PlanUpdate
from governance.permissions import Action, acting_user, require
from governance.selectors import (
    plan_action_history,
    plan_actions,
    plan_as_at,
    plan_domains,
    plan_snapshot_rows,
    plan_update_detail,
    plan_updates,
)
from governance.views.common import month_or_404, plan_action_or_404, working_or_404


def _month_choices(year: FinancialYear) -> list[tuple[int, str]]:
    return [(m, f"M{m} {month_label(year.start_year, m)}") for m in range(1, 13)]


@login_required
@require_safe
def plan(request: HttpRequest) -> HttpResponse:
    """The year's improvement plan by domain, filtered by RAG, status and owner, with overdue and reset lists."""
    if working_of(request).organisation is None or working_of(request).year is None:
        return render(request, "includes/no_context_page.html")
    organisation, year = working_or_404(request)
    today = plan_as_at(year, timezone.localdate())
    every = plan_actions(request.user, organisation, year)
    filterset = PlanActionFilterSet(request.GET or None, queryset=every, request=request)
    valid = not filterset.is_bound or filterset.is_valid()
    shown_ids = set(filterset.qs.values_list("pk", flat=True)) if valid else set()
    actions = list(every)
    all_rows = list(zip(actions, plan_snapshot_rows(actions, today), strict=True))
    by_domain = [{"domain": d, "rows": [(a, r) for a, r in all_rows
                                        if a.pk in shown_ids and a.requirement.domain_id == d.pk]}
                 for d in plan_domains(request.user, organisation, year)]
    return render(request, "governance/plan.html", {
        "filterset": filterset, "errors": form_errors(filterset.form) if filterset.is_bound else [],
        "by_domain": [group for group in by_domain if group["rows"]], "shown": len(shown_ids),
        "total": len(actions), "today": today,
        "overdue": [(a, r) for a, r in all_rows if r["overdue"]],
        "reset": [(a, r) for a, r in all_rows if r["reset"]],
        "updates": plan_updates(request.user, organisation, year)[:12],
    })


@login_required
@require_safe
def plan_action(request: HttpRequest, pk: int) -> HttpResponse:
    action = plan_action_or_404(request, pk)
    follow_into(request, action.requirement.domain.organisation, action.requirement.domain.year)
    as_at = plan_as_at(action.requirement.domain.year, timezone.localdate())
    row = plan_snapshot_rows([action], as_at)[0]
    return render(request, "governance/plan_action.html", {
        "action": action, "row": row, "as_at": as_at, "revisions": list(action.revised_due_dates.all()),
        "decisions": list(action.decisions.all()), "history": plan_action_history(action)[:50],
        "organisation": action.requirement.domain.organisation, "year": action.requirement.domain.year,
    })


@login_required
@require_http_methods(["GET", "POST"])
def plan_action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = plan_action_or_404(request, pk)
    require(request.user, Action.KEEP_IMPROVEMENT_PLAN, action.requirement.domain.organisation)
    initial = {"text": action.text, "owner": action.owner, "rag": action.rag, "status": action.status,
               "note": action.note, "version": action.version}
    form = PlanActionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.plan_action_update(actor=acting_user(request), action=action,
                                                expected_version=form.cleaned_data["version"], changes=form.changes())
        except services.EditConflict as conflict:
            current = conflict.current
            form = form_after_conflict(PlanActionForm, request.POST, saved={"version": current.version},
                                       initial=initial)
            return render(request, "governance/plan_action_edit.html", {
                "form": form, "action": action, "conflict": str(conflict), "current": current,
            }, status=CONFLICT)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Action {saved.reference} saved.")
            return redirect("plan-action", pk=saved.pk)
    return render(request, "governance/plan_action_edit.html", {"form": form, "action": action,
                                                                 "errors": form_errors(form)})


@login_required
@require_http_methods(["GET", "POST"])
def plan_action_revise(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a new due date with its reason (kept in the action's history)."""
    action = plan_action_or_404(request, pk)
    require(request.user, Action.KEEP_IMPROVEMENT_PLAN, action.requirement.domain.organisation)
    form = RevisedDueDateForm(request.POST or None, initial={"version": action.version})
    status = 200
    conflict = ""
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.action_due_date_revise(
                actor=acting_user(request), action=action, new_date=form.cleaned_data["new_date"],
                reason=form.cleaned_data["reason"], expected_version=form.cleaned_data["version"],
            )
        except services.EditConflict as error:
            conflict, status = str(error), CONFLICT
            data = request.POST.copy()
            data["version"] = str(error.current.version)
            form = RevisedDueDateForm(data)
            form.is_valid()
            action = plan_action_or_404(request, pk)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Action {saved.reference} is now due on {saved.due_date:%d/%m/%Y}.")
            return redirect("plan-action", pk=saved.pk)
    return render(request, "governance/plan_action_revise.html", {
        "form": form, "action": action, "conflict": conflict, "errors": [] if conflict else form_errors(form),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def plan_updates_page(request: HttpRequest) -> HttpResponse:
    """Past monthly updates, and publishing this month's (a copy of the plan as it is now, kept as published)."""
    organisation, year = working_or_404(request)
    form = PlanUpdatePublishForm(request.POST or None, months=_month_choices(year))
    if request.method == "POST":
        require(request.user, Action.PUBLISH_PLAN_UPDATE, organisation)
        if form.is_valid():
            try:
                update = services.plan_update_publish(
                    actor=acting_user(request), organisation=organisation, year=year, month=form.cleaned_data["month"],
                    summary=form.cleaned_data["summary"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"The M{update.month} update is published: it stays as it is now.")
                return redirect("plan-update", month=update.month)
    return render(request, "governance/plan_updates.html", {
        "form": form, "errors": form_errors(form), "updates": plan_updates(request.user, organisation, year),
    })


@login_required
@require_safe
def plan_update(request: HttpRequest, month: int) -> HttpResponse:
    organisation, year = working_or_404(request)
    try:
        update = plan_update_detail(request.user, organisation, year, month_or_404(month))
    except PlanUpdate.DoesNotExist:
        raise Http404("No update was published for that month.") from None
    domains: dict[str, list[dict[str, Any]]] = {}
    for row in update.rows:
        domains.setdefault(row["domain"], []).append(row)
    return render(request, "governance/plan_update.html", {
        "update": update, "label": month_label(year.start_year, update.month), "domains": domains,
        "overdue": [r for r in update.rows if r["overdue"]], "reset": [r for r in update.rows if r["reset"]],
    })


def _writer(request: HttpRequest) -> Any:
    """The signed-in user adding to the plan (the role check has already refused anyone else)."""
    if not request.user.is_authenticated:
        raise Http404("Sign in first.")
    return request.user


@login_required
@require_http_methods(["GET", "POST"])
def requirement_new(request: HttpRequest) -> HttpResponse:
    organisation, year = working_or_404(request)
    require(request.user, Action.KEEP_IMPROVEMENT_PLAN, organisation)
    form = plan_forms.RequirementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            requirement = services.requirement_create(actor=_writer(request), organisation=organisation, year=year,
                                                      **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Requirement {requirement.number} added: now add its actions.")
            return redirect("plan-action-new")
    return render(request, "governance/requirement_new.html", {"form": form, "errors": form_errors(form)})


@login_required
@require_http_methods(["GET", "POST"])
def plan_action_new(request: HttpRequest) -> HttpResponse:
    organisation, year = working_or_404(request)
    require(request.user, Action.KEEP_IMPROVEMENT_PLAN, organisation)
    requirements = {r.pk: r for r in plan_selectors.plan_requirements(request.user, organisation, year)}
    choices = [(pk, f"{r.number}. {r.text[:80]}") for pk, r in requirements.items()]
    form = plan_forms.PlanActionCreateForm(request.POST or None, requirements=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            action = services.plan_action_create(
                actor=_writer(request), requirement=requirements[data["requirement"]], letter=data["letter"],
                text=data["text"], due_date=data["due_date"], owner=data["owner"], rag=data["rag"],
                status=data["status"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Action {action.reference} added.")
            return redirect("plan-action", pk=action.pk)
    return render(request, "governance/plan_action_new.html", {
        "form": form, "errors": form_errors(form), "has_requirements": bool(requirements),
    })
