from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from governance import forms as plan_forms
from governance import selectors as plan_selectors
from governance import services
from governance.filters import ImportFilterSet, MeetingFilterSet, PlanActionFilterSet
from governance.formatting import month_label
from governance.forms import (
    CONFLICT,
    DecisionAboutForm,
    DecisionForm,
    MeetingEditForm,
    MeetingForm,
    MonthReopenForm,
    PlanActionForm,
    PlanUpdatePublishForm,
    RevisedDueDateForm,
    SummaryError,
    add_service_errors,
    form_after_conflict,
    form_errors,
)
from governance.middleware import SESSION_ORGANISATION, SESSION_YEAR, follow_into, working_of
from governance.models import (
    FinancialYear,
    ImportChange,
    ImportRecord,
    Meeting,
    Organisation,
    PlanAction,
    PlanUpdate,
)
from governance.permissions import Action, acting_user, can, require
from governance.selectors import (
    financial_year,
    import_detail,
    imports,
    meeting_detail,
    meeting_versions,
    meetings,
    month_history,
    month_rows,
    month_statuses,
    organisations_for,
    plan_action_detail,
    plan_action_history,
    plan_actions,
    plan_as_at,
    plan_domains,
    plan_snapshot_rows,
    plan_update_detail,
    plan_updates,
)


def _id(value: str | None) -> int:
    """A posted id, or 0 (matches nothing) when it is not a whole number."""
    try:
        return int(value or 0)
    except ValueError:
        return 0


@login_required
@require_POST
def switch_context(request: HttpRequest) -> HttpResponse:
    """Remember the organisation and year the user chose (only ones they may see)."""
    organisation = organisations_for(request.user).filter(pk=_id(request.POST.get("organisation"))).first()
    if organisation is not None:
        if request.session.get(SESSION_ORGANISATION) != organisation.pk:
            request.session.pop(SESSION_YEAR, None)
        request.session[SESSION_ORGANISATION] = organisation.pk
    year = financial_year(_id(request.POST.get("year")))
    if year is not None:
        request.session[SESSION_YEAR] = year.pk
    return HttpResponseRedirect(safe_next(request, request.POST.get("next", "")))


def safe_next(request: HttpRequest, next_url: str) -> str:
    """A page of ours to return to: only a path on this site (never a view name or another host), else home."""
    next_url = (next_url or "").strip()
    if (
        not next_url.startswith("/")
        or next_url.startswith("//")
        or "\\" in next_url
        or not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()})
    ):
        return "/"
    return next_url



def _working(request: HttpRequest) -> tuple[Any, Any]:
    working = working_of(request)
    if working.organisation is None or working.year is None:
        raise Http404("Choose an organisation and financial year first.")
    return working.organisation, working.year


def _month(month: int) -> int:
    if not 1 <= month <= 12:
        raise Http404("A month is M1 (April) to M12 (March).")
    return month


def _page(request: HttpRequest, errors: list[SummaryError] | None = None, status: int = 200) -> HttpResponse:
    organisation, year = _working(request)
    today = timezone.localdate()
    rows = month_rows(request.user, organisation, year, today)
    return render(request, "governance/months.html", {
        "rows": rows, "history": month_history(request.user, organisation, year)[:50], "errors": errors or [],
        "can_close": can(request.user, Action.CLOSE_MONTHS, organisation),
        "labels": {row["month"]: row["label"] for row in rows}, "today": today,
    }, status=status)


@login_required
def months(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def month_close(request: HttpRequest, month: int) -> HttpResponse:
    organisation, year = _working(request)
    month = _month(month)
    try:
        services.month_close(actor=acting_user(request), organisation=organisation, year=year, month=month)
    except ValidationError as error:
        return _page(request, [SummaryError(m) for m in error.messages])
    messages.success(request, f"{month_label(year.start_year, month)} is closed: its actuals and forecasts are now "
                              "read-only.")
    return redirect("months")


@login_required
@require_http_methods(["GET", "POST"])
def month_reopen(request: HttpRequest, month: int) -> HttpResponse:
    organisation, year = _working(request)
    month = _month(month)
    require(request.user, Action.CLOSE_MONTHS, organisation)
    label = month_label(year.start_year, month)
    form = MonthReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.month_reopen(actor=acting_user(request), organisation=organisation, year=year, month=month,
                                  reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{label} is open again: its actuals and forecasts can be changed.")
            return redirect("months")
    status = month_statuses(request.user, organisation, year).get(month)
    return render(request, "governance/month_reopen.html", {
        "form": form, "errors": form_errors(form), "label": label, "month": month, "status": status,
    })


# --- Improvement plan, meetings and decisions (issue 8 section 3) -------------------------------------



def _plan_action_or_404(request: HttpRequest, pk: int) -> PlanAction:
    try:
        return plan_action_detail(request.user, pk)
    except PlanAction.DoesNotExist:
        raise Http404("No such action in your organisations' plans.") from None


def _month_choices(year: FinancialYear) -> list[tuple[int, str]]:
    return [(m, f"M{m} {month_label(year.start_year, m)}") for m in range(1, 13)]


@login_required
def plan(request: HttpRequest) -> HttpResponse:
    """The year's improvement plan by domain, filtered by RAG, status and owner, with overdue and reset lists."""
    if working_of(request).organisation is None or working_of(request).year is None:
        return render(request, "includes/no_context_page.html")
    organisation, year = _working(request)
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
def plan_action(request: HttpRequest, pk: int) -> HttpResponse:
    action = _plan_action_or_404(request, pk)
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
    action = _plan_action_or_404(request, pk)
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
    action = _plan_action_or_404(request, pk)
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
            action = _plan_action_or_404(request, pk)
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
    organisation, year = _working(request)
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
def plan_update(request: HttpRequest, month: int) -> HttpResponse:
    organisation, year = _working(request)
    try:
        update = plan_update_detail(request.user, organisation, year, _month(month))
    except PlanUpdate.DoesNotExist:
        raise Http404("No update was published for that month.") from None
    domains: dict[str, list[dict[str, Any]]] = {}
    for row in update.rows:
        domains.setdefault(row["domain"], []).append(row)
    return render(request, "governance/plan_update.html", {
        "update": update, "label": month_label(year.start_year, update.month), "domains": domains,
        "overdue": [r for r in update.rows if r["overdue"]], "reset": [r for r in update.rows if r["reset"]],
    })


def _year_list(request: HttpRequest, filterset_class: type[django_filters.FilterSet],
               rows_of: Callable[[Any, Any, Any], QuerySet[Any]], template: str, name: str) -> HttpResponse:
    """A list of the working organisation's year, filtered by the query string (refused filters in words)."""
    if working_of(request).organisation is None or working_of(request).year is None:
        return render(request, "includes/no_context_page.html")
    organisation, year = _working(request)
    filterset = filterset_class(request.GET or None, queryset=rows_of(request.user, organisation, year),
                                request=request)
    return render(request, template, {
        "filterset": filterset,
        name: list(filterset.qs) if not filterset.is_bound or filterset.is_valid() else [],
        "errors": form_errors(filterset.form) if filterset.is_bound else [],
    })


@login_required
def meetings_page(request: HttpRequest) -> HttpResponse:
    return _year_list(request, MeetingFilterSet, meetings, "governance/meetings.html", "meetings")


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    organisation, year = _working(request)
    require(request.user, Action.RECORD_MEETINGS, organisation)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(actor=acting_user(request), organisation=organisation, year=year,
                                              **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{meeting.title} recorded.")
            return redirect("meeting", pk=meeting.pk)
    return render(request, "governance/meeting_new.html", {"form": form, "errors": form_errors(form)})


def _meeting_or_404(request: HttpRequest, pk: int) -> Meeting:
    try:
        return meeting_detail(request.user, pk)
    except Meeting.DoesNotExist:
        raise Http404("No such meeting in your organisations.") from None


@login_required
@require_http_methods(["GET", "POST"])
def meeting(request: HttpRequest, pk: int) -> HttpResponse:
    """A meeting and its decisions; those who record meetings add a decision here (about an action or none)."""
    found = _meeting_or_404(request, pk)
    follow_into(request, found.organisation, found.year)
    choices = [(a.pk, f"{a.reference} {a.text[:80]}") for a in plan_actions(request.user, found.organisation,
                                                                            found.year)]
    form = DecisionForm(request.POST or None, actions=choices)
    if request.method == "POST":
        require(request.user, Action.RECORD_MEETINGS, found.organisation)
        if form.is_valid():
            action_pk = form.cleaned_data["action"]
            try:
                services.decision_record(
                    actor=acting_user(request), meeting=found, text=form.cleaned_data["text"],
                    action=_plan_action_or_404(request, action_pk) if action_pk else None,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Decision recorded.")
                return redirect("meeting", pk=found.pk)
    return render(request, "governance/meeting.html", {
        "meeting": found, "decisions": list(found.decisions.all()), "form": form, "errors": form_errors(form),
    })


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a meeting's kind, date, title or purpose (version-checked: a stale save answers 409)."""
    found = _meeting_or_404(request, pk)
    follow_into(request, found.organisation, found.year)
    require(request.user, Action.RECORD_MEETINGS, found.organisation)
    initial = {"kind": found.kind, "held_on": found.held_on, "title": found.title, "purpose": found.purpose,
               "version": found.version}
    form = MeetingEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.meeting_update(actor=acting_user(request), meeting=found,
                                            expected_version=form.cleaned_data["version"], changes=form.changes())
        except services.EditConflict as conflict:
            current = conflict.current
            form = form_after_conflict(MeetingEditForm, request.POST, saved={"version": current.version},
                                       initial=initial)
            return render(request, "governance/meeting_edit.html", {
                "form": form, "meeting": found, "conflict": str(conflict), "current": current,
            }, status=CONFLICT)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{saved.title} saved.")
            return redirect("meeting", pk=saved.pk)
    return render(request, "governance/meeting_edit.html", {"form": form, "meeting": found,
                                                           "errors": form_errors(form)})


@login_required
def meeting_history(request: HttpRequest, pk: int) -> HttpResponse:
    found = _meeting_or_404(request, pk)
    follow_into(request, found.organisation, found.year)
    return render(request, "governance/meeting_history.html", {"meeting": found,
                                                              "versions": meeting_versions(found)[:100]})


def decision_about_page(
    request: HttpRequest, subject: models.Model, *, organisation: Organisation, year: FinancialYear,
    subject_name: str, back_url: str,
) -> HttpResponse:
    """Record a meeting's decision about a record of an upper app (a scheme, a risk) from that record's page.

    The upper app finds the record (scoped) and passes it in, so governance never names its model or URLs
    (docs/adr/0003); the decision is recorded by the same service as on the meeting page.
    """
    require(request.user, Action.RECORD_MEETINGS, organisation)
    choices = [(m.pk, str(m)) for m in meetings(request.user, organisation, year)]
    form = DecisionAboutForm(request.POST or None, meetings=choices)
    if request.method == "POST" and form.is_valid():
        try:
            services.decision_record(actor=acting_user(request), meeting=_meeting_or_404(request,
                                                                                        form.cleaned_data["meeting"]),
                                     text=form.cleaned_data["text"], subject=subject)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Decision about {subject_name} recorded.")
            return redirect(f"{back_url}#decisions")
    return render(request, "governance/decision_about.html", {
        "form": form, "subject_name": subject_name, "back_url": back_url, "has_meetings": bool(choices),
        "organisation": organisation, "year": year, "errors": form_errors(form),
    })


def _writer(request: HttpRequest) -> Any:
    """The signed-in user adding to the plan (the role check has already refused anyone else)."""
    if not request.user.is_authenticated:
        raise Http404("Sign in first.")
    return request.user


@login_required
@require_http_methods(["GET", "POST"])
def requirement_new(request: HttpRequest) -> HttpResponse:
    organisation, year = _working(request)
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
    organisation, year = _working(request)
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


@login_required
def imports_page(request: HttpRequest) -> HttpResponse:
    """The working organisation's imports of the working year, newest first, filtered by kind."""
    return _year_list(request, ImportFilterSet, imports, "governance/imports.html", "records")


@login_required
def import_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One import: its file, counts and warnings, and a link to every record it touched."""
    try:
        record = import_detail(request.user, pk)
    except ImportRecord.DoesNotExist:
        raise Http404("No such import in your organisations.") from None
    follow_into(request, record.organisation, record.year)
    links = list(record.links.all())
    return render(request, "governance/import.html", {
        "record": record,
        "touched": [(label, [link for link in links if link.change == change])
                    for change, label in ImportChange.choices],
    })
