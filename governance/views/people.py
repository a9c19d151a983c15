"""The people of the working organisation, for its administrators: their roles, and resetting a member's password
(a temporary one, typed or made up and shown once, that they must change when they next sign in)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from governance import services
from governance.forms import MemberPasswordResetForm, add_service_errors, form_errors
from governance.middleware import SESSION_PASSWORD_CHANGE_DUE, working_of
from governance.models import Organisation
from governance.permissions import Action, acting_user, require
from governance.selectors import organisation_member, organisation_people


def _administered(request: HttpRequest) -> Organisation:
    """The working organisation, which the user must administer (people belong to organisations, not years)."""
    organisation = working_of(request).organisation
    if organisation is None:
        raise Http404("Choose an organisation first.")
    require(request.user, Action.MANAGE_MEMBERS, organisation)
    return organisation


@login_required
@require_safe
def people(request: HttpRequest) -> HttpResponse:
    organisation = _administered(request)
    return render(request, "governance/people.html", {"people": organisation_people(request.user, organisation)})


@never_cache  # the page that shows a made-up password is kept by no cache, the browser's included
@login_required
@require_http_methods(["GET", "POST"])
def member_password(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _administered(request)
    try:
        member = organisation_member(request.user, organisation, pk)
    except get_user_model().DoesNotExist:
        raise Http404("No such member of your organisation.") from None
    form = MemberPasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password = services.member_password_reset(actor=acting_user(request), member=member,
                                                      organisation=organisation, password=form.password)
        except ValidationError as refused:
            add_service_errors(form, refused)
        else:
            return render(request, "governance/member_password_done.html", {
                "member": member, "password": password if form.password is None else None})
    status = 400 if form.errors else 200
    return render(request, "governance/member_password.html", {
        "member": member, "form": form, "errors": form_errors(form)}, status=status)


class OwnPasswordChangeView(auth_views.PasswordChangeView):
    """Django's password page; once the new password is saved, a change an administrator's reset asked for is done."""

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        services.own_password_changed(actor=acting_user(self.request))
        self.request.session.pop(SESSION_PASSWORD_CHANGE_DUE, None)
        return response

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        return {**super().get_context_data(**kwargs),
                "change_due": bool(self.request.session.get(SESSION_PASSWORD_CHANGE_DUE))}
