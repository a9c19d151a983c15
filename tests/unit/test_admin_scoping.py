"""The admin is scoped to the organisations a staff user *administers*, for every model and every URL.

Issue 6, section 1: the admin crossed organisations (history, revert) and ignored roles. The matrix test
drives every admin URL of every registered model as people who must see nothing of Shropshire: an
administrator of Bexley only, and Bexley administrators who hold another role (viewer, PMO editor, panel,
finance) at Shropshire. It looks for Shropshire's names and figures in every answer, and compares the
whole database before and after. The tests below it are each named for one finding of the probe.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.utils import timezone

from finance.models import (
    ActivityLine,
    ActivityMonth,
    BoardPack,
    BudgetLine,
    BudgetMonth,
    FinancialPlan,
    FinancialPlanLine,
    FinancialRisk,
    FinancialRiskMonth,
    VarianceReport,
    VarianceReportLine,
    VarianceReportSaving,
    VarianceReportScheme,
)
from governance.admin import ScopedAdmin, ScopedHistoryAdmin
from governance.fields import column
from governance.models import (
    ApiToken,
    Decision,
    FinancialYear,
    ImportChange,
    ImportKind,
    ImportLink,
    ImportRecord,
    JobRun,
    Meeting,
    MeetingKind,
    Membership,
    MonthStatus,
    Organisation,
    OutboxMessage,
    PlanAction,
    PlanDomain,
    PlanUpdate,
    Requirement,
    RevisedDueDate,
    Role,
)
from governance.selectors import plan_snapshot_rows
from risks.models import Risk
from schemes.models import (
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
    StageChange,
)
from tests.factories import (
    FinancialYearFactory,
    MembershipFactory,
    OrganisationFactory,
    ProgrammeFactory,
    SchemeFactory,
    UserFactory,
    api_key,
    member,
)

pytestmark = pytest.mark.django_db


# Shropshire's name and code: shown to its own members by the portal's header (the context switcher), so only
# checked for people who do not belong to it.
ORGANISATION_SECRETS = ["Marchland", "SHRQZ"]
# Everything below names Shropshire's rows with "Quillon" and gives them figures found nowhere else.
SECRETS = [
    "quillon",
    "Ottoline",
    "7654321", "7,654,321",  # scheme gross saving
    "4567891", "4,567,891",  # a month's actual
    "3456789", "3,456,789",  # an override's value
    "13579246", "13,579,246",  # financial plan allocation
    "24681357", "24,681,357",  # planned expenditure
    "5792468", "5,792,468",  # an activity line's plan (a count)
    "7531864", "7,531,864",  # an activity month's plan
    "6543217", "6,543,217",  # a programme target
]


def leaks(response: Any, sent: str = "", *, member: bool = False) -> list[str]:
    """Secrets in the answer; what the request itself sent comes back in links (in its URL-encoded form) and
    is not counted, but a name shown as text (with its spaces) still is."""
    secrets = SECRETS if member else [*SECRETS, *ORGANISATION_SECRETS]
    body = response.content.decode(errors="replace") + response.get("Location", "")
    for key, value in parse_qsl(sent.lstrip("?")):
        if any(secret.lower() in value.lower() for secret in secrets):
            # panel=Quillon+Panel in links; panel%3DQuillon%2BPanel in _changelist_filters
            pair = urlencode({key: value})
            for echoed in (pair, quote(pair)):
                body = body.replace(echoed, "")
    return [secret for secret in secrets if secret.lower() in body.lower()]


def has_history(model: type[models.Model]) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


def admin_url(model: type[models.Model], suffix: str = "") -> str:
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/{suffix}"


def staff(user: Any) -> Any:
    """Staff with every model permission Django has: only the portal's scoping stands in the way."""
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.all())
    return user


def build_organisation(organisation: Organisation, year: FinancialYear, word: str, person: Any) -> dict[type, Any]:
    """One row of every organisation model, named with `word`, history included."""
    programme = ProgrammeFactory(organisation=organisation, name=f"{word} Programme")
    target = ProgrammeTarget.objects.create(programme=programme, year=year, source=f"{word} target source",
                                            planned_saving=Decimal("6543217") if word == "Quillon" else Decimal("5"))
    scheme = SchemeFactory(organisation=organisation, year=year, programme=programme, reference=f"{word[:2].upper()}77",
                           name=f"{word} Scheme", project_owner=f"{word} Owner",
                           gross_saving=Decimal("7654321") if word == "Quillon" else Decimal("50000"))
    month = SchemeMonth.objects.create(scheme=scheme, month=1, plan=Decimal("100"),
                                       actual=Decimal("4567891") if word == "Quillon" else Decimal("10"))
    status = MonthStatus.objects.create(organisation=organisation, year=year, month=1, is_closed=True,
                                        changed_by=person, reason=f"{word} close")
    sitting = PanelSitting.objects.create(organisation=organisation, year=year, held_on=date(2013, 6, 1),
                                          panel=f"{word} Panel", notes=f"{word} sitting notes", recorded_by=person)
    rating = SchemeRating.objects.create(sitting=sitting, scheme=scheme, value=Rag.GREEN, resources=Rag.GREEN,
                                         timescales=Rag.AMBER, codependencies=Rag.GREEN, overall=Rag.GREEN,
                                         comment=f"{word} rating comment")
    assessment = DirectorAssessment.objects.create(scheme=scheme, assessed_on=date(2013, 7, 1), change_months=2,
                                                   director=f"{word} Director", note=f"{word} note",
                                                   recorded_by=person)
    override = FigureOverride.objects.create(scheme=scheme, figure=Figure.MOST_LIKELY,
                                             value=Decimal("3456789") if word == "Quillon" else Decimal("20"),
                                             reason=f"{word} override reason", created_by=person)
    stage_change = StageChange.objects.create(scheme=scheme, from_stage=0, to_stage=1,
                                              decision=GatewayDecision.APPROVED, approver=f"{word} Approver",
                                              decided_on=date(2013, 5, 1), recorded_by=person)
    key_stage = KeyStage.objects.create(scheme=scheme, name=f"{word} key stage", baseline_date=date(2013, 8, 1))
    risk = Risk.objects.create(organisation=organisation, reference=f"{word[:2].upper()}R1", title=f"{word} risk",
                               programme=programme, scheme=scheme, owner=f"{word} Risk Owner")
    plan = FinancialPlan.objects.create(
        organisation=organisation, year=year,
        allocation=Decimal("13579246") if word == "Quillon" else Decimal("1000"),
        planned_expenditure=Decimal("24681357") if word == "Quillon" else Decimal("2000"),
    )
    plan_line = FinancialPlanLine.objects.create(plan=plan, name=f"{word} plan line", section="expenditure",
                                                 planned=Decimal("8642097") if word == "Quillon" else Decimal("10"))
    risk_month = FinancialRiskMonth.objects.create(organisation=organisation, year=year, month=10,
                                                   source=f"{word} financial risks paper")
    risk_row = FinancialRisk.objects.create(
        register=risk_month, kind="risk", description=f"{word} financial risk", exec_lead=f"{word} Lead",
        total_value=Decimal("9876543") if word == "Quillon" else Decimal("100"), assessed_value=Decimal("50"),
        in_forecast=Decimal("20"), residual=Decimal("30"),
    )
    budget_line = BudgetLine.objects.create(organisation=organisation, year=year, name=f"{word} budget line",
                                            commentary=f"{word} budget commentary")
    budget_month = BudgetMonth.objects.create(line=budget_line, month=1,
                                              plan=Decimal("8642097") if word == "Quillon" else Decimal("10"))
    activity_line = ActivityLine.objects.create(organisation=organisation, year=year, code=f"{word[:4]}.7",
                                                title=f"{word} activity line",
                                                plan=5792468 if word == "Quillon" else 10)
    activity_month = ActivityMonth.objects.create(line=activity_line, month=1,
                                                  plan=7531864 if word == "Quillon" else 1)
    report = VarianceReport.objects.create(organisation=organisation, year=year, month=1, produced_at=timezone.now())
    report_line = VarianceReportLine.objects.create(
        report=report, position=1, kind="line", name=f"{word} report line", commentary=f"{word} report commentary",
        ytd_plan=Decimal("8642098") if word == "Quillon" else Decimal("10"), ytd_actual=0, ytd_variance=0,
        forecast_plan=0, forecast_actual=0, forecast_variance=0)
    report_saving = VarianceReportSaving.objects.create(
        report=report, position=1, programme=f"{word} report programme",
        ytd_plan=Decimal("8642099") if word == "Quillon" else Decimal("10"), ytd_actual=0, ytd_variance=0,
        forecast_plan=0, forecast_actual=0, forecast_variance=0)
    report_scheme = VarianceReportScheme.objects.create(
        report=report, position=1, reference=f"{word[:4]}1", programme=f"{word} programme", name=f"{word} scheme",
        gross_saving=Decimal("8642100") if word == "Quillon" else Decimal("10"), full_year_effect=0, plan_in_year=0,
        next_year_effect=0, most_likely=0, director_value=0, director_next_year=0)
    board_pack = BoardPack.objects.create(organisation=organisation, year=year, month=10,
                                          file_name=f"{word} board pack.xlsx", content=b"PK", size=2,
                                          produced_at=timezone.now(), produced_by=person)
    domain = PlanDomain.objects.create(organisation=organisation, year=year, name=f"{word} domain",
                                       oversight=f"{word} Oversight")
    requirement = Requirement.objects.create(domain=domain, number=1, text=f"{word} requirement")
    plan_action = PlanAction.objects.create(requirement=requirement, letter="a", text=f"{word} action",
                                            owner=f"{word} Action Owner", due_date=date(2013, 9, 30))
    revision = RevisedDueDate.objects.create(action=plan_action, new_date=date(2013, 9, 30), reason=f"{word} reason",
                                             recorded_by=person, recorded_at=timezone.now())
    plan_update = PlanUpdate.objects.create(organisation=organisation, year=year, month=6, summary=f"{word} update",
                                            rows=plan_snapshot_rows([plan_action], date(2013, 9, 30)),
                                            published_by=person,
                                            published_at=timezone.now())
    meeting = Meeting.objects.create(organisation=organisation, year=year, kind=MeetingKind.STAR_CHAMBER,
                                     held_on=date(2013, 6, 1), title=f"{word} Star Chamber")
    decision = Decision.objects.create(meeting=meeting, text=f"{word} decision", action=plan_action,
                                       subject_label=f"Action {word}", recorded_by=person, recorded_at=timezone.now())
    import_row = ImportRecord.objects.create(organisation=organisation, year=year, kind=ImportKind.SCHEMES,
                                             file_name=f"{word} workbook.xlsx", checksum="0" * 64,
                                             imported_by=person, imported_at=timezone.now(), rows_created=1)
    import_link = ImportLink.objects.create(record=import_row, change=ImportChange.CREATED,
                                            subject_type=ContentType.objects.get_for_model(scheme),
                                            subject_id=scheme.pk, label=f"{word} scheme")
    job_run = JobRun.objects.create(task="finance.produce_month_end_report", organisation=organisation, year=year,
                                    month=10, requested_by=person, queued_at=timezone.now(),
                                    result_summary=f"{word} report")
    for row in (domain, requirement, plan_action, meeting):  # 2 versions
        row.save()
    for saved in (programme, scheme, risk, key_stage, override, rating, assessment, risk_month, risk_row,
                  plan_line, activity_line, activity_month):  # 2 versions
        saved.save()
    return {
        Organisation: organisation, Programme: programme, ProgrammeTarget: target, Scheme: scheme, SchemeMonth: month,
        MonthStatus: status,
        PanelSitting: sitting, SchemeRating: rating, DirectorAssessment: assessment, FigureOverride: override,
        StageChange: stage_change, KeyStage: key_stage, Risk: risk, FinancialPlan: plan, FinancialPlanLine: plan_line,
        FinancialRiskMonth: risk_month, FinancialRisk: risk_row, BudgetLine: budget_line, BudgetMonth: budget_month,
        ActivityLine: activity_line, ActivityMonth: activity_month,
        VarianceReport: report, VarianceReportLine: report_line, VarianceReportSaving: report_saving,
        VarianceReportScheme: report_scheme, BoardPack: board_pack,
        Membership: Membership.objects.get(user=person, organisation=organisation),
        PlanDomain: domain, Requirement: requirement, PlanAction: plan_action, RevisedDueDate: revision,
        PlanUpdate: plan_update, Meeting: meeting, Decision: decision,
        ImportRecord: import_row, ImportLink: import_link, JobRun: job_run,
    }


@pytest.fixture
def world() -> dict[str, Any]:
    year = FinancialYearFactory(start_year=2013)
    bexley = OrganisationFactory(ods_code="07N", name="NHS Bexley CCG")
    shropshire = OrganisationFactory(ods_code="SHRQZ", name="NHS Shropshire Marchland CCG")
    bexley_admin = staff(member(bexley, Role.ADMINISTRATOR, username="bexadmin", first_name="Betty"))
    quillon_person = member(shropshire, Role.ADMINISTRATOR, username="quillonuser", first_name="Ottoline",
                            last_name="Quillon")
    bexley_rows = build_organisation(bexley, year, "Bexley", bexley_admin)
    shropshire_rows = build_organisation(shropshire, year, "Quillon", quillon_person)
    group = Group.objects.create(name="Quillon group")
    api_key(quillon_person)
    shropshire_rows.update({
        FinancialYear: year,  # shared: nobody but a superuser may touch it
        get_user_model_class(): quillon_person,
        Group: group,
        ApiToken: ApiToken.objects.get(user=quillon_person),
        # Belongs to no organisation: superusers only, and read-only even for them.
        OutboxMessage: OutboxMessage.objects.create(task="schemes.recompute_scheme_figures",
                                                    arguments=[shropshire_rows[Scheme].pk], created_at=timezone.now(),
                                                    last_error="Quillon broker down"),
    })
    return {"year": year, "bexley": bexley, "shropshire": shropshire, "bexley_admin": bexley_admin,
            "quillon_person": quillon_person, "bexley_rows": bexley_rows, "shropshire_rows": shropshire_rows}


def get_user_model_class() -> type:
    from django.contrib.auth import get_user_model

    return get_user_model()


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table the admin could write (history and the admin log included)."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values())
        for model in apps.get_models()
        if model is not Session and not model._meta.proxy
    }


def post_data(model: type[models.Model], row: Any, **changes: Any) -> dict[str, Any]:
    """A form as the attacker would post it: the row's own values (ids only, no names) with `changes`."""
    data: dict[str, Any] = {}
    for name, value in model_to_dict(row).items():
        field = column(model, name)
        if value is None:
            data[name] = ""
        elif field.is_relation:
            data[name] = [v.pk if hasattr(v, "pk") else v for v in value] if field.many_to_many else value
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, Decimal | int) and not field.choices:
            data[name] = "12"
        elif isinstance(value, date):
            data[name] = value.isoformat()
        elif isinstance(value, str) and not field.choices:
            data[name] = "Changed"
        elif isinstance(value, list | dict):
            data[name] = ""
        else:
            data[name] = value
    data.update(changes)
    return data


def filter_query_strings(model: type, superuser: Any) -> list[str]:
    """Every choice of every list filter of the model's changelist, as a superuser would see them."""
    model_admin = admin.site._registry[model]
    request = RequestFactory().get(admin_url(model))
    request.user = superuser
    changelist = model_admin.get_changelist_instance(request)
    queries: list[str] = []
    for spec in changelist.filter_specs:
        queries += [str(choice["query_string"]) for choice in spec.choices(changelist)]
    return sorted(set(queries))


PERSONAS = ["administrator_elsewhere", *[role for role in Role.values if role != Role.ADMINISTRATOR]]


@pytest.fixture(params=PERSONAS)
def intruder(request, world) -> Any:
    """(a) a staff administrator of Bexley only, or (b) a staff Bexley administrator holding another role
    (viewer, PMO editor, panel member, finance) at Shropshire, the rows' organisation."""
    user = staff(member(world["bexley"], Role.ADMINISTRATOR, username=f"intruder-{request.param}"))
    if request.param != "administrator_elsewhere":
        MembershipFactory(user=user, organisation=world["shropshire"], role=request.param)
    return user


def test_every_admin_url_of_every_model_shows_nothing_of_another_organisation_and_writes_nothing(
    client, world, intruder, django_user_model
):
    superuser = django_user_model.objects.create_superuser("root", password="x")
    shropshire, bexley = world["shropshire"], world["bexley"]
    victims = world["shropshire_rows"]
    filters = {model: filter_query_strings(model, superuser) for model in admin.site._registry}
    member_of_shropshire = Membership.objects.filter(user=intruder, organisation=shropshire).exists()
    client.force_login(intruder)
    missing = [model._meta.label for model in admin.site._registry if model not in victims]
    assert not missing, f"give the matrix a row of {missing}"

    problems: list[str] = []
    for model in admin.site._registry:
        victim = victims[model]
        pk = victim.pk
        before = snapshot()
        requests: list[tuple[str, str, dict[str, Any] | None]] = [("get", admin_url(model), None),
                                                                  ("get", admin_url(model, "?q=Quill"), None)]
        requests += [("get", admin_url(model, query), None) for query in filters[model]]
        requests += [
            ("get", admin_url(model, "add/"), None),
            ("post", admin_url(model, "add/"), post_data(model, victim)),
            ("get", admin_url(model, f"{pk}/change/"), None),
            ("post", admin_url(model, f"{pk}/change/"), post_data(model, victim, organisation=bexley.pk)),
            ("get", admin_url(model, f"{pk}/delete/"), None),
            ("post", admin_url(model, f"{pk}/delete/"), {"post": "yes"}),
            ("get", admin_url(model, f"{pk}/history/"), None),
        ]
        if has_history(model):
            for version in victim.history.all():
                item = admin_url(model, f"{pk}/history/{version.history_id}/")
                requests += [("get", item, None),
                             ("post", item, post_data(model, version.instance, organisation=bexley.pk))]
        for method, url, data in requests:
            response = getattr(client, method)(url, data or {})
            if response.status_code >= 500:
                problems.append(f"{method.upper()} {url} answered {response.status_code}")
            if found := leaks(response, url.partition("?")[2], member=member_of_shropshire):
                problems.append(f"{method.upper()} {url} ({response.status_code}) shows {found}")
            object_view = f"/{victim.pk}/" in url or f"/{pk}/" in url
            if object_view and response.status_code == 200:
                problems.append(f"{method.upper()} {url} answered 200 for another organisation's row")
        after = snapshot()
        changed = [label for label in before if before[label] != after[label]]
        if changed:
            problems.append(f"{model._meta.label}: the admin wrote to {changed}")
    assert not problems, "\n".join(problems)
    assert Scheme.objects.get(pk=victims[Scheme].pk).organisation == shropshire


def test_every_registered_admin_uses_the_scoped_base():
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, ScopedAdmin), model._meta.label
        if has_history(model):
            assert isinstance(model_admin, ScopedHistoryAdmin), model._meta.label


# --- one test per finding of the probe (issue 6, section 1) ----------------------------------------------------

HISTORY_MODELS = [Scheme, FigureOverride, Risk, Programme, KeyStage, SchemeRating, DirectorAssessment,
                  FinancialRiskMonth, FinancialRisk, BudgetLine, BudgetMonth, PlanDomain, Requirement, PlanAction,
                  Meeting]


@pytest.mark.parametrize("model", HISTORY_MODELS, ids=lambda m: m.__name__)
def test_history_views_of_another_organisations_rows_are_not_shown(client, world, model):
    client.force_login(world["bexley_admin"])
    victim = world["shropshire_rows"][model]
    version = victim.history.first()
    history = admin_url(model, f"{victim.pk}/history/")
    for url in (history, f"{history}{version.history_id}/"):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        assert not leaks(response), url


@pytest.mark.parametrize("model", HISTORY_MODELS, ids=lambda m: m.__name__)
def test_history_revert_form_writes_nothing_across_organisations(client, world, model):
    bexley_rows = world["bexley_rows"]
    client.force_login(world["bexley_admin"])
    victim = world["shropshire_rows"][model]
    version = victim.history.first()
    # What the probe posted: the row moved into Bexley, pointing at Bexley's programme and scheme.
    data = post_data(model, version.instance, organisation=world["bexley"].pk, programme=bexley_rows[Programme].pk,
                     scheme=bexley_rows[Scheme].pk)
    before = snapshot()
    response = client.post(admin_url(model, f"{victim.pk}/history/{version.history_id}/"), data)
    assert response.status_code in (302, 403, 404, 405)
    assert snapshot() == before
    assert Scheme.objects.get(pk=world["shropshire_rows"][Scheme].pk).organisation == world["shropshire"]


def test_history_revert_is_switched_off_even_for_own_rows_and_superusers(client, world, django_user_model):
    scheme = world["bexley_rows"][Scheme]
    version = scheme.history.last()  # the first version
    url = admin_url(Scheme, f"{scheme.pk}/history/{version.history_id}/")
    for user in (world["bexley_admin"], django_user_model.objects.create_superuser("root", password="x")):
        client.force_login(user)
        page = client.get(url)
        assert page.status_code == 200
        assert b'value="Revert"' not in page.content
        before = snapshot()
        response = client.post(url, post_data(Scheme, version.instance, name="Reverted"))
        assert response.status_code == 405
        assert snapshot() == before


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMINISTRATOR])
def test_viewer_or_other_role_who_is_staff_elsewhere_cannot_edit_the_organisations_scheme(client, world, role):
    user = staff(member(world["bexley"], Role.ADMINISTRATOR, username="elsewhere"))
    MembershipFactory(user=user, organisation=world["shropshire"], role=role)
    client.force_login(user)
    scheme = world["shropshire_rows"][Scheme]
    assert client.get(admin_url(Scheme, f"{scheme.pk}/change/")).status_code in (302, 403)
    before = snapshot()
    response = client.post(admin_url(Scheme, f"{scheme.pk}/change/"),
                           post_data(Scheme, scheme, name="Edited by a viewer", programme=scheme.programme_id))
    assert response.status_code in (302, 403)
    assert snapshot() == before
    scheme.refresh_from_db()
    assert scheme.name == "Quillon Scheme"


def test_organisation_administrator_cannot_change_the_shared_financial_year(client, world):
    client.force_login(world["bexley_admin"])
    year = world["year"]
    response = client.post(admin_url(FinancialYear, f"{year.pk}/change/"), {"start_year": "2010"})
    assert response.status_code in (302, 403)
    year.refresh_from_db()
    assert year.start_year == 2013
    assert client.get(admin_url(FinancialYear)).status_code == 403
    assert client.post(admin_url(FinancialYear, "add/"), {"start_year": "2011"}).status_code == 403
    assert not FinancialYear.objects.filter(start_year=2011).exists()


def scheme_change_form(scheme: Scheme, month: SchemeMonth, actual: str) -> dict[str, Any]:
    """The scheme's change form as the old admin rendered it, with a month's actual typed into the inline."""
    data = post_data(Scheme, scheme, name=scheme.name, reference=scheme.reference, project_owner="",
                     gross_saving=str(scheme.gross_saving))
    data.update({
        "months-TOTAL_FORMS": "1", "months-INITIAL_FORMS": "1", "months-MIN_NUM_FORMS": "0",
        "months-MAX_NUM_FORMS": "1000", "months-0-id": month.pk, "months-0-scheme": scheme.pk,
        "months-0-actual": actual, "months-0-forecast": "",
        "overrides-TOTAL_FORMS": "1", "overrides-INITIAL_FORMS": "1", "overrides-MIN_NUM_FORMS": "0",
        "overrides-MAX_NUM_FORMS": "1000", "overrides-0-id": scheme.overrides.get().pk,
        "overrides-0-scheme": scheme.pk,
    })
    return data


def test_closed_months_actual_cannot_be_changed_in_the_admin(client, world, django_user_model):
    scheme, month = world["bexley_rows"][Scheme], world["bexley_rows"][SchemeMonth]
    assert MonthStatus.objects.get(organisation=world["bexley"], month=1).is_closed
    for user in (world["bexley_admin"], django_user_model.objects.create_superuser("root", password="x")):
        client.force_login(user)
        client.post(admin_url(Scheme, f"{scheme.pk}/change/"), scheme_change_form(scheme, month, "999"))
        month.refresh_from_db()
        assert month.actual == Decimal("10")


def test_month_cannot_be_reopened_in_the_admin_with_a_blank_reason(client, world, django_user_model):
    status = world["bexley_rows"][MonthStatus]
    for user in (world["bexley_admin"], django_user_model.objects.create_superuser("root", password="x")):
        client.force_login(user)
        before = snapshot()
        client.post(admin_url(MonthStatus, f"{status.pk}/change/"),
                    {"organisation": world["bexley"].pk, "year": world["year"].pk, "month": "1", "reason": ""})
        assert snapshot() == before
        status.refresh_from_db()
        assert status.is_closed
        assert status.reason == "Bexley close"


def test_user_of_another_organisation_cannot_be_made_an_administrator_of_ours(client, world):
    client.force_login(world["bexley_admin"])
    page = client.get(admin_url(Membership, "add/"))
    assert page.status_code == 200
    assert not leaks(page)
    response = client.post(admin_url(Membership, "add/"), {
        "user": world["quillon_person"].pk, "organisation": world["bexley"].pk, "role": Role.ADMINISTRATOR,
    })
    assert response.status_code == 200  # the form again, with the error
    assert not leaks(response)
    assert not Membership.objects.filter(user=world["quillon_person"], organisation=world["bexley"]).exists()


def test_override_attribution_cannot_be_set_in_the_admin(client, world, django_user_model):
    override = world["bexley_rows"][FigureOverride]
    someone_else = UserFactory(username="someoneelse")
    MembershipFactory(user=someone_else, organisation=world["bexley"], role=Role.PMO_EDITOR)
    for user in (world["bexley_admin"], django_user_model.objects.create_superuser("root", password="x")):
        client.force_login(user)
        client.post(admin_url(FigureOverride, f"{override.pk}/change/"), {
            "scheme": override.scheme_id, "figure": override.figure, "value": "20", "reason": "Bexley override reason",
            "created_by": someone_else.pk, "cleared_at_0": "", "cleared_at_1": "", "cleared_by": someone_else.pk,
            "clear_reason": "",
        })
        override.refresh_from_db()
        assert override.created_by == world["bexley_admin"]
        assert override.cleared_by is None


@pytest.mark.parametrize("shropshire_role", [None, Role.VIEWER])
def test_list_filters_and_dropdowns_offer_only_the_users_organisations(client, world, shropshire_role):
    user = world["bexley_admin"]
    if shropshire_role:
        MembershipFactory(user=user, organisation=world["shropshire"], role=shropshire_role)
    client.force_login(user)
    pages = [
        admin_url(Scheme), admin_url(Risk), admin_url(Membership), admin_url(MonthStatus), admin_url(SchemeRating),
        admin_url(FigureOverride), admin_url(PanelSitting), admin_url(Programme), admin_url(FinancialPlan),
        admin_url(Programme, "add/"), admin_url(Membership, "add/"),
        admin_url(FinancialPlan, "add/"), admin_url(Risk, f"{world['bexley_rows'][Risk].pk}/change/"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert not leaks(response), url
        if url.endswith(("add/", "change/")) or url == admin_url(Scheme):
            assert b"NHS Bexley CCG" in response.content, url


def test_autocomplete_offers_only_the_users_rows(client, world):
    client.force_login(world["bexley_admin"])
    searches = [("risks", "risk", "scheme"), ("risks", "risk", "programme"), ("risks", "risk", "organisation"),
                ("governance", "membership", "user"), ("governance", "membership", "organisation"),
                ("schemes", "scheme", "programme")]
    for app_label, model_name, field_name in searches:
        for term in ("", "Quill", "Marchland", "SHRQZ", "Otto"):
            query = {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term}
            response = client.get("/admin/autocomplete/", query)
            assert response.status_code in (200, 403), (model_name, field_name)
            assert not leaks(response, urlencode(query)), (model_name, field_name, term)
    found = client.get("/admin/autocomplete/", {"app_label": "risks", "model_name": "risk", "field_name": "scheme",
                                                "term": "Scheme"})
    assert [row["text"] for row in found.json()["results"]] == ["BE77 Bexley Scheme"]


def test_membership_service_refuses_roles_the_actor_cannot_give(world):
    from django.core.exceptions import PermissionDenied, ValidationError

    from governance.services import membership_remove, membership_set

    viewer = member(world["shropshire"], Role.VIEWER, username="shropviewer")
    with pytest.raises(PermissionDenied):
        membership_set(actor=viewer, user=viewer, organisation=world["shropshire"], role=Role.ADMINISTRATOR)
    with pytest.raises(PermissionDenied):
        membership_set(actor=world["bexley_admin"], user=viewer, organisation=world["shropshire"], role=Role.VIEWER)
    with pytest.raises(ValidationError):  # someone of another organisation
        membership_set(actor=world["bexley_admin"], user=viewer, organisation=world["bexley"], role=Role.VIEWER)
    only_admin = Membership.objects.get(user=world["quillon_person"], organisation=world["shropshire"])
    with pytest.raises(ValidationError):
        membership_remove(actor=None, membership=only_admin)
    # The system (commands, the demo loader) may give anyone a role.
    assert membership_set(actor=None, user=viewer, organisation=world["bexley"], role=Role.VIEWER).role == Role.VIEWER


# --- what still works ------------------------------------------------------------------------------------------


def test_bexley_administrator_reads_their_own_schemes_and_history(client, world):
    client.force_login(world["bexley_admin"])
    scheme = world["bexley_rows"][Scheme]
    listing = client.get(admin_url(Scheme))
    assert listing.status_code == 200
    assert b"Bexley Scheme" in listing.content
    assert not leaks(listing)
    change = client.get(admin_url(Scheme, f"{scheme.pk}/change/"))
    assert change.status_code == 200
    assert b"Bexley Scheme" in change.content
    assert b'name="_save"' not in change.content  # read-only: schemes are edited on the portal's pages
    history = client.get(admin_url(Scheme, f"{scheme.pk}/history/"))
    assert history.status_code == 200
    assert b"Bexley Scheme" in history.content
    item = client.get(admin_url(Scheme, f"{scheme.pk}/history/{scheme.history.first().history_id}/"))
    assert item.status_code == 200
    assert b"Bexley Scheme" in item.content
    for model in [*HISTORY_MODELS, MonthStatus]:
        row = world["bexley_rows"][model]
        assert client.get(admin_url(model, f"{row.pk}/history/")).status_code == 200, model
        for version in row.history.all():
            page = client.get(admin_url(model, f"{row.pk}/history/{version.history_id}/"))
            assert page.status_code == 200, model
            assert b'value="Revert"' not in page.content, model
            assert b'<input type="text"' not in page.content and b"<textarea" not in page.content, model


def test_superuser_sees_every_organisation(client, world, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    listing = client.get(admin_url(Scheme))
    assert b"Bexley Scheme" in listing.content and b"Quillon Scheme" in listing.content
    scheme = world["shropshire_rows"][Scheme]
    assert client.get(admin_url(Scheme, f"{scheme.pk}/history/")).status_code == 200
    assert client.get(admin_url(FinancialYear)).status_code == 200
    assert b"quillonuser" in client.get(admin_url(Membership, "add/")).content


def test_service_owned_data_is_read_only_and_cannot_be_deleted(client, world, django_user_model):
    for user in (world["bexley_admin"], django_user_model.objects.create_superuser("root", password="x")):
        client.force_login(user)
        for model in (Scheme, MonthStatus, PanelSitting, SchemeRating, DirectorAssessment, FigureOverride,
                      StageChange, KeyStage, BudgetLine, BudgetMonth):
            row = world["bexley_rows"][model]
            assert client.get(admin_url(model, f"{row.pk}/change/")).status_code == 200, model
            assert client.get(admin_url(model, "add/")).status_code == 403, model
            assert client.post(admin_url(model, f"{row.pk}/delete/"), {"post": "yes"}).status_code == 403, model
            assert model.objects.filter(pk=row.pk).exists()


def test_a_superuser_changes_rag_factors_in_the_admin_and_the_organisation_is_recomputed(
        client, world, django_user_model, django_capture_on_commit_callbacks):
    bexley = world["bexley"]
    scheme = world["bexley_rows"][Scheme]
    Scheme.objects.filter(organisation=bexley).update(figures_computed_at=None)
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(admin_url(Organisation, f"{bexley.pk}/change/"), {
            "ods_code": "07N", "name": "NHS Bexley CCG", "kind": "ccg", "green_factor": "0.5",
            "amber_factor": "0.5", "red_factor": "0.5", "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        })
        assert Scheme.objects.get(pk=scheme.pk).figures_computed_at is None  # nothing before the commit
    assert response.status_code == 302
    bexley.refresh_from_db()
    assert (bexley.green_factor, bexley.amber_factor, bexley.red_factor) == (Decimal("0.5"),) * 3
    assert Scheme.objects.get(pk=scheme.pk).figures_computed_at is not None  # its organisation's recompute ran
    other = world["shropshire_rows"][Scheme]
    assert Scheme.objects.get(pk=other.pk).figures_computed_at == other.figures_computed_at
    client.force_login(world["bexley_admin"])
    assert client.get(admin_url(Organisation, f"{bexley.pk}/change/")).status_code == 200
    response = client.post(admin_url(Organisation, f"{bexley.pk}/change/"), {"name": "Renamed", "ods_code": "07N"})
    assert response.status_code == 403
    bexley.refresh_from_db()
    assert bexley.name == "NHS Bexley CCG"


def test_administrator_gives_roles_in_their_organisations_through_the_service(client, world):
    surrey = OrganisationFactory(ods_code="5P5", name="NHS Surrey")
    admin_user = world["bexley_admin"]
    MembershipFactory(user=admin_user, organisation=surrey, role=Role.ADMINISTRATOR)
    colleague = member(world["bexley"], Role.PMO_EDITOR, username="colleague")
    client.force_login(admin_user)
    response = client.post(admin_url(Membership, "add/"),
                           {"user": colleague.pk, "organisation": surrey.pk, "role": Role.FINANCE})
    assert response.status_code == 302
    assert Membership.objects.get(user=colleague, organisation=surrey).role == Role.FINANCE
    own = Membership.objects.get(user=colleague, organisation=world["bexley"])
    response = client.post(admin_url(Membership, f"{own.pk}/change/"), {"role": Role.VIEWER, "user": 999})
    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.role, own.user) == (Role.VIEWER, colleague)
    # Not in Shropshire, where they are no administrator.
    client.post(admin_url(Membership, "add/"),
                {"user": colleague.pk, "organisation": world["shropshire"].pk, "role": Role.VIEWER})
    assert not Membership.objects.filter(user=colleague, organisation=world["shropshire"]).exists()


def test_the_last_administrator_of_an_organisation_stays(client, world):
    admin_user = world["bexley_admin"]
    own = Membership.objects.get(user=admin_user, organisation=world["bexley"])
    client.force_login(admin_user)
    response = client.post(admin_url(Membership, f"{own.pk}/change/"), {"role": Role.VIEWER})
    assert response.status_code == 200
    assert b"only administrator" in response.content
    assert client.post(admin_url(Membership, f"{own.pk}/delete/"), {"post": "yes"}).status_code == 403
    own.refresh_from_db()
    assert own.role == Role.ADMINISTRATOR


def test_risk_admin_is_read_only_so_a_risk_cannot_point_at_another_organisations_scheme(client, world):
    # Risks are written by risks.services only (scores and review history); the admin refuses any change.
    admin_user = world["bexley_admin"]
    MembershipFactory(user=admin_user, organisation=world["shropshire"], role=Role.ADMINISTRATOR)
    risk = world["bexley_rows"][Risk]
    client.force_login(admin_user)
    response = client.post(admin_url(Risk, f"{risk.pk}/change/"), {
        "reference": risk.reference, "title": "Bexley risk", "scheme": world["shropshire_rows"][Scheme].pk,
        "programme": "", "category": "", "likelihood": "2", "consequence": "3",
    })
    assert response.status_code == 403
    risk.refresh_from_db()
    assert risk.scheme == world["bexley_rows"][Scheme]


def test_financial_plan_is_saved_through_the_finance_service(client, world, monkeypatch):
    import finance.admin

    calls: list[dict[str, Any]] = []
    original = finance.admin.financial_plan_set
    monkeypatch.setattr(finance.admin, "financial_plan_set", lambda **kw: calls.append(kw) or original(**kw))
    plan = world["bexley_rows"][FinancialPlan]
    client.force_login(world["bexley_admin"])
    response = client.post(admin_url(FinancialPlan, f"{plan.pk}/change/"),
                           {"allocation": "1500", "planned_expenditure": "2500", "source": "Board paper"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.allocation, plan.planned_expenditure, plan.year) == (Decimal("1500"), Decimal("2500"), world["year"])
    assert len(calls) == 1


def test_staff_without_an_administrator_role_get_nothing(client, world):
    user = staff(member(world["bexley"], Role.FINANCE, username="financestaff"))
    client.force_login(user)
    assert client.get(admin_url(Scheme)).status_code == 403
    index = client.get("/admin/")
    assert index.status_code == 200
    assert b"/admin/schemes/" not in index.content


def test_demo_administrator_still_has_the_admin(client):
    from demo.loader import DemoReport, load_organisations, load_users

    load_organisations()
    load_users(DemoReport())
    demo_admin = get_user_model_class().objects.get(username="admin")
    client.force_login(demo_admin)
    assert client.get("/admin/").status_code == 200
    for model in (Scheme, Organisation, Membership, Risk, FinancialPlan):
        assert client.get(admin_url(model)).status_code == 200, model
    assert client.get(admin_url(FinancialYear)).status_code == 403
    client.force_login(get_user_model_class().objects.get(username="viewer"))
    assert client.get(admin_url(Scheme)).status_code == 302  # not staff: the admin's login page


def test_history_item_of_another_organisation_with_a_junk_version_is_not_found(client, world):
    client.force_login(world["bexley_admin"])
    scheme = world["bexley_rows"][Scheme]
    assert client.get(admin_url(Scheme, f"{scheme.pk}/history/junk/")).status_code == 404
    other = world["shropshire_rows"][Scheme].history.first().history_id
    assert client.get(admin_url(Scheme, f"{scheme.pk}/history/{other}/")).status_code == 404


def spy_on(monkeypatch: pytest.MonkeyPatch, module: Any, *names: str) -> list[str]:
    """The names of `module`'s functions as they are called, in order (each still does its work)."""
    calls: list[str] = []

    def spy(name: str, original: Any) -> Any:
        def called(**kwargs: Any) -> Any:
            calls.append(name)
            return original(**kwargs)
        return called

    for name in names:
        monkeypatch.setattr(module, name, spy(name, getattr(module, name)))
    return calls


def test_programme_targets_are_kept_in_the_admin_through_their_services(client, world, monkeypatch):
    import schemes.admin

    calls = spy_on(monkeypatch, schemes.admin, "programme_target_set", "programme_target_remove")
    programme, year = world["bexley_rows"][Programme], FinancialYearFactory(start_year=2014)
    client.force_login(world["bexley_admin"])
    listing = client.get(admin_url(ProgrammeTarget)).content.decode()
    assert "Bexley Programme" in listing and "Quillon" not in listing
    added = client.post(admin_url(ProgrammeTarget, "add/"), {"programme": programme.pk, "year": year.pk,
                                                             "planned_saving": "250000", "source": "Board paper"})
    assert added.status_code == 302, added.content.decode()
    target = ProgrammeTarget.objects.get(programme=programme, year=year)
    assert (target.planned_saving, target.source) == (Decimal("250000"), "Board paper")
    refused = client.post(admin_url(ProgrammeTarget, f"{target.pk}/change/"),
                          {"planned_saving": "12.345", "source": "Board paper"})
    assert refused.status_code == 200
    changed = client.post(admin_url(ProgrammeTarget, f"{target.pk}/change/"),
                          {"programme": world["shropshire_rows"][Programme].pk, "planned_saving": "300000",
                           "source": "Revised"})
    assert changed.status_code == 302, changed.content.decode()
    target.refresh_from_db()
    assert (target.programme, target.planned_saving, target.source) == (programme, Decimal("300000"), "Revised")
    assert client.post(admin_url(ProgrammeTarget, f"{target.pk}/delete/"), {"post": "yes"}).status_code == 302
    assert not ProgrammeTarget.objects.filter(pk=target.pk).exists()
    assert calls == ["programme_target_set", "programme_target_set", "programme_target_remove"]


def test_programmes_are_kept_in_the_admin_through_their_services(client, world, monkeypatch):
    import schemes.admin
    from schemes.services import programme_remove, programme_save

    calls = spy_on(monkeypatch, schemes.admin, "programme_save", "programme_remove")
    bexley = world["bexley_rows"][Programme].organisation
    admin = world["bexley_admin"]
    client.force_login(admin)
    added = client.post(admin_url(Programme, "add/"), {"organisation": bexley.pk, "name": "  Planned care  ",
                                                       "clinical_lead": "Dr A", "managerial_lead": "",
                                                       "description": ""})
    assert added.status_code == 302, added.content.decode()
    programme = Programme.objects.get(organisation=bexley, name="Planned care")  # trimmed by the service
    assert programme.history.latest().history_user == admin
    # Renamed; the organisation is not a field of the change form, so a posted one is ignored.
    changed = client.post(admin_url(Programme, f"{programme.pk}/change/"), {
        "organisation": world["shropshire_rows"][Programme].organisation.pk, "name": "Planned care and diagnostics",
        "clinical_lead": "Dr A", "managerial_lead": "", "description": ""})
    assert changed.status_code == 302, changed.content.decode()
    programme.refresh_from_db()
    assert (programme.name, programme.organisation) == ("Planned care and diagnostics", bexley)
    assert "delete_selected" not in client.get(admin_url(Programme)).content.decode()
    assert client.post(admin_url(Programme, f"{programme.pk}/delete/"), {"post": "yes"}).status_code == 302
    assert not Programme.objects.filter(pk=programme.pk).exists()
    assert calls == ["programme_save", "programme_save", "programme_remove"]

    # The services refuse, in words, what the admin's forms cannot send: a move, or removing one with schemes.
    used = world["bexley_rows"][Programme]
    assert used.schemes.exists()
    with pytest.raises(ValidationError, match="move (it|them) to another programme"):
        programme_remove(actor=admin, programme=used)
    used.organisation = world["shropshire_rows"][Programme].organisation
    with pytest.raises(ValidationError, match="stays in its organisation"):
        programme_save(actor=admin, programme=used)
    assert Programme.objects.get(pk=used.pk).organisation == bexley


def test_the_outbox_is_read_by_superusers_only_and_never_written(client, world, django_user_model):
    message = world["shropshire_rows"][OutboxMessage]
    client.force_login(world["bexley_admin"])
    assert client.get(admin_url(OutboxMessage)).status_code == 403
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    assert b"schemes.recompute_scheme_figures" in client.get(admin_url(OutboxMessage)).content
    assert client.get(admin_url(OutboxMessage, f"{message.pk}/change/")).status_code == 200
    assert client.get(admin_url(OutboxMessage, "add/")).status_code == 403
    assert client.post(admin_url(OutboxMessage, f"{message.pk}/change/"), {"task": "x"}).status_code == 403
    assert client.post(admin_url(OutboxMessage, f"{message.pk}/delete/"), {"post": "yes"}).status_code == 403
    assert OutboxMessage.objects.get(pk=message.pk).task == "schemes.recompute_scheme_figures"
