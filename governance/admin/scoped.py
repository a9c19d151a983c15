"""The admin's base classes, through which every app registers: `ScopedAdmin`, `ScopedHistoryAdmin` and
`ReadOnlyInline` (their list filters and paginator are in `lists`, what the modules share in `common`).

- Whose data: rows of organisations where the staff user is an *administrator*
  (`for_user(user, roles=[Role.ADMINISTRATOR])`); other roles (viewer, PMO editor, panel, finance) give
  nothing in the admin, even to staff. Superusers see everything. Models that do not belong to an
  organisation (financial years, user accounts, groups, API tokens) are for superusers only.
- Lists, list filters and foreign-key choices offer only rows in that scope.
- Data that services own is read-only (`service_owned`): nothing writes around a service, the admin
  included. Attribution fields (who recorded, created, changed, cleared) are never editable, and a row
  never moves to another organisation through the admin.
- History can be read (within scope) but never reverted.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin
from django.contrib.admin.filters import RelatedFieldListFilter
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.db.models.expressions import Combinable
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from simple_history.admin import SimpleHistoryAdmin

from governance.admin.common import (
    ADMIN_ROLES,
    ATTRIBUTION_FIELDS,
    admin_choices,
    administered_organisation_ids,
    is_scoped,
    organisation_id_of,
    scope_path,
)
from governance.admin.lists import (
    BY_CODE,
    EstimatedCountPaginator,
    OrganisationFilter,
    ScopedAllValuesFilter,
    ScopedRelatedFilter,
)
from governance.models import Organisation


class ScopedAdmin(admin.ModelAdmin):
    """The base of every admin: rows of the organisations the staff user administers (superusers: all)."""

    # Services own every write of this model (schemes.services, governance.services): read-only here.
    service_owned = False
    # Not organisation data (shared reference data, accounts): superusers only. Implied for unscoped models.
    superuser_only = False

    # Lists that stay fast across every organisation (docs/performance.md): newest first on the primary key's
    # index unless an admin names another indexed order, no second count of the whole table, an estimate of an
    # unfiltered big table's rows on PostgreSQL, and filters that never list hundreds of links (`lists`).
    ordering: ClassVar[tuple[str | Combinable, ...] | list[str | Combinable] | None] = ("-pk",)
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    # -- scope -------------------------------------------------------------------------------------------------

    def is_for_superusers_only(self) -> bool:
        return self.superuser_only or not is_scoped(self.model)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        user = request.user
        if user.is_superuser:
            return queryset
        if self.is_for_superusers_only():
            return queryset.none()
        return queryset.for_user(user, roles=ADMIN_ROLES)  # type: ignore[attr-defined]  # a scoped model's queryset

    def in_scope(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        """Whether the user may use this admin at all (obj None), or for this row (or historical version)."""
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        if user.is_superuser:
            return True
        if self.is_for_superusers_only():
            return False
        administered = administered_organisation_ids(request)
        if not administered:
            return False
        if obj is None:
            return True
        if organisation_id_of(obj) not in administered:
            return False
        # The live row too: a historical version of an organisation's row that has since left it is not theirs.
        return obj.pk is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    # -- permissions: Django's model permissions, and the role in the row's organisation -----------------------

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.in_scope(request) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.in_scope(request, obj) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return not self.service_owned and self.in_scope(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self.service_owned and self.in_scope(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self.service_owned and self.in_scope(request, obj) and super().has_delete_permission(request, obj)

    # -- fields --------------------------------------------------------------------------------------------------

    def all_field_names(self) -> list[str]:
        opts = self.model._meta
        return [f.name for f in [*opts.fields, *opts.many_to_many] if f.editable and not f.auto_created]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        names = {f.name for f in self.model._meta.get_fields()}
        if getattr(request, "_qipp_read_only", False):
            fields += self.all_field_names()
        fields += [name for name in ATTRIBUTION_FIELDS if name in names]
        if obj is not None and is_scoped(self.model) and scope_path(self.model) in names:
            fields.append(scope_path(self.model))  # a row never moves to another organisation here
        return list(dict.fromkeys(fields))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if "queryset" not in kwargs:
            choices = admin_choices(db_field.related_model, request)
            if choices is not None:
                kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if "queryset" not in kwargs:
            choices = admin_choices(db_field.related_model, request)
            if choices is not None:
                kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        model = self.model
        if not is_scoped(model) or not scope_path(model) or "__" in scope_path(model):
            return form

        class SameOrganisationForm(form):  # type: ignore[misc,valid-type]  # a base made at run time (get_form)
            """Rows a row points at belong to its own organisation (a risk's scheme, a scheme's programme)."""

            def clean(self) -> dict[str, Any]:
                cleaned = super().clean()
                path = scope_path(model)
                own = cleaned.get(path) or getattr(self.instance, path, None)
                if own is None:
                    return cleaned
                for name, value in list(cleaned.items()):
                    if name == path or not isinstance(value, models.Model) or not is_scoped(type(value)):
                        continue
                    if organisation_id_of(value) != own.pk:
                        self.add_error(name, f"{value} belongs to another organisation.")
                return cleaned

        return SameOrganisationForm

    # -- list filters: choices come from the user's rows ---------------------------------------------------------

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        return [self.scoped_list_filter(entry) for entry in super().get_list_filter(request)]

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # An organisation filter's own parameter (by ODS code) crosses the relation: Django allows only its path.
        if lookup in {
            f"{entry[0]}__{BY_CODE}" for entry in self.get_list_filter(request)
            if isinstance(entry, tuple) and entry[1] is OrganisationFilter
        }:
            return True
        return super().lookup_allowed(lookup, value, request)

    def scoped_list_filter(self, entry: Any) -> Any:
        if isinstance(entry, str):
            path, filter_class = entry, None
        elif isinstance(entry, (list, tuple)) and len(entry) == 2 and isinstance(entry[0], str):
            path, filter_class = entry
        else:
            return entry  # a SimpleListFilter: it must scope its own lookups
        field = get_fields_from_path(self.model, path)[-1]
        if field.is_relation and field.related_model is Organisation and filter_class is None:
            return (path, OrganisationFilter)
        if field.is_relation:
            if filter_class is None or issubclass(filter_class, RelatedFieldListFilter):
                return (path, ScopedRelatedFilter)
        elif filter_class is None and not field.choices and not isinstance(field, (models.BooleanField,
                                                                                   models.DateField)):
            return (path, ScopedAllValuesFilter)
        return entry


class ScopedHistoryAdmin(ScopedAdmin, SimpleHistoryAdmin):
    """A scoped admin with simple-history: versions are listed and shown within scope, never reverted."""

    def history_manager(self) -> Any:
        return getattr(self.model, self.model._meta.simple_history_manager_attribute)

    def get_history_queryset(self, request: HttpRequest, history_manager: Any, pk_name: str,
                             object_id: Any) -> QuerySet[Any]:
        versions = super().get_history_queryset(request, history_manager, pk_name, object_id)
        if request.user.is_superuser:
            return versions
        if self.is_for_superusers_only():
            return versions.none()
        path = scope_path(self.model)
        # Versions from while the row belonged to an organisation the user does not administer stay hidden.
        return versions.filter(**{f"{path or pk_name}__in": administered_organisation_ids(request)})

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        # simple-history falls back to the last version of a row outside get_queryset: only superusers
        # (for deleted rows) get that far; everyone else needs the row in their scope, as on the change page.
        if not request.user.is_superuser and self.get_object(request, unquote(object_id)) is None:
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request: HttpRequest, object_id: str, version_id: str,
                          extra_context: Any = None) -> HttpResponse:
        """One version, read-only. Reverting is off: it would write around the services."""
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        object_id = unquote(object_id)
        if not request.user.is_superuser and self.get_object(request, object_id) is None:
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        versions = self.get_history_queryset(request, self.history_manager(), self.model._meta.pk.attname, object_id)
        try:
            found = versions.filter(history_id=version_id).exists()
        except (ValueError, ValidationError):
            found = False
        if not found:
            raise Http404
        request._qipp_read_only = True  # type: ignore[attr-defined]  # read by get_readonly_fields
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True


class ReadOnlyInline(admin.TabularInline):
    """Rows shown inside their parent's page, never written from there."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
