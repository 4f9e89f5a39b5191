from django.contrib import admin
from reversion.admin import VersionAdmin

from translations.models import (
    Comment,
    Contributor,
    Credit,
    GlossaryTerm,
    Invitation,
    MemoryEntry,
    Notification,
    Translation,
    WorkflowEvent,
)


class CreditInline(admin.TabularInline):
    model = Credit
    extra = 0
    raw_id_fields = ("user",)


class WorkflowEventInline(admin.TabularInline):
    model = WorkflowEvent
    extra = 0
    can_delete = False
    fields = ("created_at", "actor", "action", "from_state", "to_state", "comment")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Translation)
class TranslationAdmin(VersionAdmin):
    """History (every version with author and comment) is under "History". State is changed on the desk."""

    list_display = ("__str__", "language", "state", "translator", "reviewer", "due_at", "updated_at")
    list_filter = ("state", "language")
    search_fields = ("title", "article__source_title")
    raw_id_fields = ("article", "translator", "reviewer", "source_revision")
    readonly_fields = ("state", "state_before_spike", "edit_version", "first_published_at")
    inlines = [CreditInline, WorkflowEventInline]


@admin.register(Contributor)
class ContributorAdmin(admin.ModelAdmin):
    list_display = ("user", "credit_mode", "is_volunteer", "has_public_profile")
    list_filter = ("credit_mode", "is_volunteer", "has_public_profile")
    search_fields = ("user__username", "pseudonym")
    raw_id_fields = ("user",)


@admin.register(WorkflowEvent)
class WorkflowEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "translation", "actor", "action", "from_state", "to_state")
    list_filter = ("action",)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


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
