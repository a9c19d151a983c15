"""Meetings and their decisions (issue 8 section 3), and the decision page other apps' records use."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from governance import services
from governance.filters import MeetingFilterSet
from governance.forms import (
    CONFLICT,
    DecisionAboutForm,
    DecisionForm,
    MeetingEditForm,
    MeetingForm,
    add_service_errors,
    form_after_conflict,
    form_errors,
)
from governance.middleware import follow_into
from governance.models import FinancialYear, Meeting, Organisation
from governance.permissions import Action, acting_user, require
from governance.selectors import meeting_detail, meeting_versions, meetings, plan_actions
from governance.views.common import plan_action_or_404, working_or_404, year_list


@login_required
@require_safe
def meetings_page(request: HttpRequest) -> HttpResponse:
    return year_list(request, MeetingFilterSet, meetings, "governance/meetings.html", "meetings")


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    organisation, year = working_or_404(request)
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
                    action=plan_action_or_404(request, action_pk) if action_pk else None,
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
@require_safe
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
