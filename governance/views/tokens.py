"""Your API token: see whether you have one (its first characters and when it was made), make or replace it (the
full key is shown once, on the answer to that POST: the portal keeps only its hash, so never again), or revoke it.
The same service as `manage.py api_token`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from governance import services
from governance.forms import SummaryError
from governance.permissions import acting_user
from governance.selectors import api_token_of


@never_cache  # the answer that shows a new key must not be kept by a browser or proxy
@login_required
@require_http_methods(["GET", "POST"])
def api_token(request: HttpRequest) -> HttpResponse:
    new_key, errors = None, list[SummaryError]()
    if request.method == "POST":
        actor = acting_user(request)
        if request.POST.get("action") == "revoke":
            revoked = services.api_token_revoke(actor=actor, user=actor)
            messages.success(request, "Your API token is revoked: programs using it are refused from now on."
                             if revoked else "You had no API token.")
            return redirect("api-token")
        try:
            new_key = services.api_token_issue(actor=actor, user=actor, replace=True).key
        except ValidationError as error:
            errors = [SummaryError(text=message) for message in error.messages]
    return render(request, "governance/api_token.html", {
        "token": api_token_of(request.user), "new_key": new_key, "errors": errors,
    })
