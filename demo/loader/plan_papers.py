"""The improvement plan and meetings (issue 8 section 3): Cambridgeshire and Peterborough's plan with its
revised due dates, and Shropshire's calendar of meetings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from demo.loader.common import FIXTURES, DemoReport, organisation_by_ods, year_named
from governance.models import ActionRag, ActionStatus, Meeting, MeetingKind, PlanAction
from governance.services import (
    action_due_date_revise,
    meeting_create,
    plan_action_create,
    plan_domain_set,
    requirement_set,
)

PLAN_RAG = {"complete": ActionRag.COMPLETE, "on-track": ActionRag.ON_TRACK, "delayed": ActionRag.DELAYED,
            "reset date": ActionRag.RESET_DATE, "not started": ActionRag.NOT_STARTED}
PLAN_STATUS = {"open": ActionStatus.OPEN, "closed": ActionStatus.CLOSED, "live": ActionStatus.LIVE,
               "not started": ActionStatus.NOT_STARTED}

# The due-date changes the monthly updates report (seed 004, "Revised dates"), oldest first, each as printed.
# The date before the first change is not in the papers: it is kept as "not recorded". The last new date is
# the one the M10 table prints (checked below).
PLAN_REVISIONS: dict[str, list[tuple[date, str]]] = {
    "2c": [
        (date(2019, 1, 31), "M8 update: we need to have the new Executive Team in place before agreeing this and "
                            "therefore have set it to 2 weeks after our Medical Director starts; now re-set to end "
                            "January 2019."),
        (date(2019, 9, 30), "M10 update: timescales have been updated to 30.09.2019 to reflect requirement for "
                            "reducing running costs from 2020-2021. Will be incorporated into the 2019-2020 IDP."),
    ],
    "11d": [
        (date(2019, 1, 14), "M8 update: work is continuing with system partners and we have limited visibility of "
                            "the 2019/10 QIPP therefore we want to push the validation of the model out; re-set to "
                            "14 January 2019 to reflect national timetable."),
        (date(2019, 3, 31), "M10 update: timescale has been adjusted to 31.03.2019 to align with the national "
                            "timescales, and system wide planning that is underway."),
    ],
    "15b": [
        (date(2019, 3, 31), "M6 update: the backlog date has been re-agreed with NHSE as by the end of March 2019. "
                            "NHSE has requested that this work is completed sooner and we have agreed to review this "
                            "once the recruitment process has been concluded and we fill vacancies in the team."),
    ],
}


def _plan_value(value: str | None, known: Mapping[str, str], what: str) -> tuple[str, str]:
    """A RAG or status of the key, or blank with a note of what the paper printed instead."""
    if value is None:
        return "", f"No {what} printed."
    key = known.get(value.strip().lower())
    return (key, "") if key else ("", f'{what[0].upper()}{what[1:]} as published: "{value}".')


def load_improvement_plan(report: DemoReport, actor: Any) -> None:
    """Cambridgeshire and Peterborough's 2018/19 improvement plan (M10), with its revised due dates."""
    data = json.loads((FIXTURES / "cambridgeshire_2018_19.json").read_text())
    organisation, year = organisation_by_ods(data["organisation"]["ods_code"]), year_named(data["year"])
    plan = data["improvement_plan"]
    domains = {
        row["domain"]: plan_domain_set(actor=actor, organisation=organisation, year=year, name=row["domain"],
                                       position=position, oversight=row["gb_member_oversight_and_assurance"] or "")
        for position, row in enumerate(plan["domains"], start=1)
    }
    created = revised = 0
    for row in plan["requirements"]:
        requirement = requirement_set(actor=actor, domain=domains[row["domain"]], number=row["number"],
                                      text=row["requirement"])
        existing = {a.letter: a for a in PlanAction.objects.filter(requirement=requirement)}
        for item in row["actions"]:
            if item["letter"] in existing:
                continue
            rag, rag_note = _plan_value(item["rag"], PLAN_RAG, "RAG")
            status, status_note = _plan_value(item["status"], PLAN_STATUS, "status")
            revisions = PLAN_REVISIONS.get(item["ref"], [])
            published_due = date.fromisoformat(item["due_date"]) if item["due_date"] else None
            action = plan_action_create(
                actor=actor, requirement=requirement, letter=item["letter"], text=item["action"],
                due_date=None if revisions else published_due,
                due_date_as_published=re.sub(r"<[^>]+>", "", item["due_date_as_published"] or ""),
                owner=item["gb_owner"] or "", rag=rag, status=status,
                note=" ".join(filter(None, [rag_note, status_note])),
            )
            created += 1
            for new_date, reason in revisions:
                action = action_due_date_revise(actor=actor, action=action, new_date=new_date, reason=reason)
                revised += 1
            if action.due_date != published_due:
                raise ValueError(f"Action {item['ref']}: revisions end at {action.due_date}, the M10 table prints "
                                 f"{published_due}")
    report.lines.append(f"Cambridgeshire and Peterborough {year} improvement plan: {created} actions created, "
                        f"{revised} revised due dates recorded")


# Shropshire's yearly review calendar (seed 000, "Delivering the QIPP Plan"): the paper names months only.
SHROPSHIRE_CALENDAR = [
    (date(2012, 1, 1), MeetingKind.GOVERNING_BODY,
     "Approve QIPP Plan, circulate to localities, constituent practices and HWBB"),
    (date(2012, 3, 1), MeetingKind.PLAN_REVIEW,
     "Finalise QIPP Plan, agree investments and QIPP schemes; finalise monitoring system"),
    (date(2012, 7, 1), MeetingKind.PLAN_REVIEW, "Deep dive assessment of performance"),
    (date(2012, 9, 1), MeetingKind.GOVERNING_BODY, "Formal review of plan progress with CCG Board"),
    (date(2012, 12, 1), MeetingKind.PLAN_REVIEW, "Interim review of performance; begin 2013/14 planning"),
    (date(2013, 4, 1), MeetingKind.PLAN_REVIEW, "Assessment of full year performance"),
]


def load_shropshire_calendar(report: DemoReport, actor: Any) -> None:
    organisation, year = organisation_by_ods("05N"), year_named("2012/13")
    created = 0
    for held_on, kind, title in SHROPSHIRE_CALENDAR:
        if Meeting.objects.filter(organisation=organisation, year=year, held_on=held_on, title=title).exists():
            continue
        meeting_create(actor=actor, organisation=organisation, year=year, kind=kind, held_on=held_on,
                       title=title, month_only=True)
        created += 1
    report.lines.append(f"Shropshire {year} review calendar: {created} meetings created")
