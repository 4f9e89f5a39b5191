"""The admin: a window on the desk's data, never a way around the workflow.

Translations, their credits and their events are read-only here (state, text and credits
change only through ``workflow``, ``editing.py`` and ``review.py``, which write the event,
revision and audit row). The version history is listed, but django-reversion's revert and
recover are off: restoring is the desk's own History → Restore, which records what it did.
Nothing here deletes a WorkflowEvent (and events protect their translation from cascades).
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from reversion.admin import VersionAdmin

from translations import privacy
from translations.models import (
    Comment,
    Contributor,
    Credit,
    GlossaryTerm,
    Invitation,
    MemoryEntry,
    Notification,
    RoleGrant,
    Translation,
    WorkflowEvent,
)
from translations.people import accounts


class ReadOnlyMixin:
    """View-only in the admin: no add, change or delete, whoever asks."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class CreditInline(ReadOnlyMixin, admin.TabularInline):
    model = Credit
    extra = 0
    fields = ("role", "user", "is_credited", "credit_name")
    readonly_fields = fields


class WorkflowEventInline(ReadOnlyMixin, admin.TabularInline):
    model = WorkflowEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "actor", "action", "from_state", "to_state", "comment", "revision", "content_hash")
    readonly_fields = fields


@admin.register(Translation)
class TranslationAdmin(ReadOnlyMixin, VersionAdmin):
    """Read-only. History lists every version with author and comment; restoring happens on the desk."""

    list_display = ("__str__", "language", "state", "translator", "reviewer", "due_at", "updated_at")
    list_filter = ("state", "language")
    search_fields = ("title", "article__source_title")
    inlines = [CreditInline, WorkflowEventInline]

    def _to_desk_history(self, request, object_id):  # type: ignore[no-untyped-def]
        if request.method != "GET":
            raise PermissionDenied(_("Versions are restored on the desk, where the restore is recorded."))
        messages.info(
            request, _("Versions are restored on the desk (History → Restore), where the restore is recorded.")
        )
        return redirect("desk:history", pk=object_id) if object_id else redirect("admin:index")

    def revision_view(self, request, object_id, version_id, extra_context=None):  # type: ignore[no-untyped-def]
        return self._to_desk_history(request, object_id)

    def recover_view(self, request, version_id, extra_context=None):  # type: ignore[no-untyped-def]
        return self._to_desk_history(request, None)

    def recoverlist_view(self, request, extra_context=None):  # type: ignore[no-untyped-def]
        return self._to_desk_history(request, None)


@admin.register(Contributor)
class ContributorAdmin(admin.ModelAdmin):
    """How a person is credited is theirs alone: shown read-only. An editor may mark someone
    staff or volunteer and hide (never show) their public page; the save goes through
    ``accounts.contributor_update``, which enforces exactly that and records it."""

    list_display = ("user", "credit_mode", "is_volunteer", "has_public_profile")
    list_filter = ("credit_mode", "is_volunteer", "has_public_profile")
    search_fields = ("user__username", "pseudonym")
    fields = (
        "user",
        "credit_mode",
        "pseudonym",
        "has_public_profile",
        "public_slug",
        "bio",
        "languages",
        "muted_notifications",
        "is_volunteer",
    )

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        theirs = [name for name in self.fields if name != "is_volunteer"]
        if obj is not None and obj.has_public_profile:
            theirs.remove("has_public_profile")  # an editor may hide it (unticked), not show it
        return theirs

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # a profile is made when the person joins, with the choices they make

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # deleting an account (and its profile) is the privacy service's

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        fresh = Contributor.objects.select_related("user").get(pk=obj.pk)
        accounts.contributor_update(
            contributor=fresh, by=request.user, **{name: form.cleaned_data[name] for name in form.changed_data}
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):  # type: ignore[no-untyped-def]
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except PermissionDenied as e:
            self.message_user(request, str(e), messages.ERROR)
            return redirect(request.path)


@admin.register(RoleGrant)
class RoleGrantAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Read-only: roles are asked for and confirmed on the desk (People → Roles)."""

    list_display = ("requested_at", "role", "user", "invitation", "state", "requested_by", "decided_by")
    list_filter = ("state", "role")


@admin.register(WorkflowEvent)
class WorkflowEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("created_at", "translation", "actor", "action", "from_state", "to_state")
    list_filter = ("action",)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("translation", "block_id", "author", "created_at", "resolved_at")
    raw_id_fields = ("translation", "parent", "author", "resolved_by")


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(admin.ModelAdmin):
    list_display = ("source_term", "target_term", "source_language", "target_language")
    list_filter = ("source_language", "target_language")
    search_fields = ("source_term", "target_term")


@admin.register(MemoryEntry)
class MemoryEntryAdmin(admin.ModelAdmin):
    list_display = ("source_text", "target_text", "source_language", "target_language")
    search_fields = ("source_text", "target_text")
    raw_id_fields = ("translation",)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "text", "emailed_at", "read_at")
    list_filter = ("kind",)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "role", "created_at", "expires_at", "accepted_at")
    exclude = ("token_hash",)


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class DeskUserAdmin(UserAdmin):
    """Deleting an account goes through ``privacy.user_delete``: credits kept as the person
    chose them, held jobs released by the workflow, one audit row; a refusal is a message.

    Roles are not given here: groups, permissions and the superuser flag are read-only (a
    reviewer or editor role is asked for on the desk, People → Roles, and confirmed by a second
    editor: ``translations/people/roles.py``). A person's names are theirs (their profile): shown
    read-only to anyone else, since a real name may be their public credit."""

    actions: list[str] = []
    ROLE_FIELDS = ("is_superuser", "groups", "user_permissions")

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        readonly = [*super().get_readonly_fields(request, obj), *self.ROLE_FIELDS]
        if obj is not None and obj.pk != request.user.pk:
            readonly += ["first_name", "last_name"]
        return readonly

    def delete_view(self, request, object_id, extra_context=None):  # type: ignore[no-untyped-def]
        try:
            return super().delete_view(request, object_id, extra_context)
        except (privacy.UserDeleteRefused, PermissionDenied) as e:
            self.message_user(request, getattr(e, "message", None) or str(e), messages.ERROR)
            return redirect("admin:auth_user_change", object_id)

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        privacy.user_delete(user=obj, by=request.user)
