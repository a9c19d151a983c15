"""Pages redrawn after an edit conflict (schemes.views.common.form_after_conflict): 409, what the user typed
kept, the token of what is saved now in the form, so that saving again is a deliberate overwrite."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from governance.models import Role
from schemes import services
from schemes.models import DirectorAssessment, FigureOverride
from schemes.selectors import newest_assessment, override_token
from tests.factories import FinancialYearFactory, OrganisationFactory, SchemeFactory, member

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def organisation():
    return OrganisationFactory(ods_code="CFL", name="NHS Conflict CCG")


@pytest.fixture
def scheme(organisation):
    made = SchemeFactory(organisation=organisation, year=FinancialYearFactory(start_year=2013), reference="15b")
    return services.scheme_recompute(scheme_id=made.pk)


def signed_in(organisation, role, username):
    client = Client()
    client.force_login(member(organisation, role, username=username))
    return client


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name} in the page"
    return match[1]


def test_clearing_an_override_someone_changed_meanwhile_is_a_409_that_keeps_the_reason(organisation, scheme):
    services.figure_override_set(actor=None, scheme=scheme, figure="most_likely", value=D("400000"), reason="Paper")
    url = reverse("schemes:override-clear", args=[scheme.pk, "most_likely"])
    drawn = override_token(scheme)
    finance = signed_in(organisation, Role.FINANCE, "finance-one")
    panel = signed_in(organisation, Role.PANEL_MEMBER, "panel-one")
    assert finance.post(reverse("schemes:override", args=[scheme.pk]), {
        "figure": "most_likely", "value": "410,000", "reason": "Revised paper", "seen": drawn,
    }).status_code == 302
    response = panel.post(url, {"reason": "Formula is right", "seen": drawn})
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed the overrides" in html
    assert "Formula is right" in html  # what the user typed is kept
    assert hidden(html, "seen") == str(override_token(scheme))  # the page now states what is saved
    assert FigureOverride.objects.get(scheme=scheme, cleared_at__isnull=True).value == D("410000")
    assert panel.post(url, {"reason": "Formula is right", "seen": hidden(html, "seen")}).status_code == 302
    assert not FigureOverride.objects.filter(scheme=scheme, cleared_at__isnull=True).exists()


def test_a_directors_assessment_recorded_meanwhile_is_a_409_and_saving_again_records_this_one(organisation, scheme):
    url = reverse("schemes:director", args=[scheme.pk])
    director = signed_in(organisation, Role.ADMINISTRATOR, "director-one")
    services.director_assessment_record(actor=None, scheme=scheme, assessed_on=date(2013, 3, 1), change_months=-1,
                                        director="Other director")
    typed = {"assessed_on": "14/03/2013", "change_months": "2", "director": "Dana Director", "note": "Earlier",
             "seen": "0"}  # drawn before the other director's assessment
    response = director.post(url, typed)
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else recorded a director&#x27;s assessment" in html
    assert "Dana Director" in html and "Earlier" in html
    assert hidden(html, "seen") == str(newest_assessment(scheme).pk)
    assert director.post(url, {**typed, "seen": hidden(html, "seen")}).status_code == 302
    assert DirectorAssessment.objects.filter(scheme=scheme).count() == 2
