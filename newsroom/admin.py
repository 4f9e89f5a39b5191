from django.conf import settings
from django.contrib import admin
from modeltranslation.admin import TranslationAdmin
from modeltranslation.translator import translator
from modeltranslation.utils import build_localized_fieldname

from newsroom.models import Article, AuditEntry, Correction, Feed, FeedItem, Outlet, SlugRedirect, SourceRevision, Tag
from newsroom.site.rendering import owner as rendering


class FeedInline(admin.TabularInline):
    model = Feed
    extra = 0
    fields = ("url", "is_active", "auto_import", "poll_interval_minutes", "last_polled_at", "last_error")
    readonly_fields = ("last_polled_at", "last_error")


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_name", "name_en", "language", "site_url")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name", "credit_name")
    inlines = [FeedInline]


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    list_display = ("url", "outlet", "is_active", "auto_import", "last_polled_at", "consecutive_errors", "last_error")
    list_filter = ("is_active", "auto_import", "outlet")
    search_fields = ("url", "title")
    readonly_fields = ("etag", "last_modified", "last_polled_at", "next_poll_at", "last_error_at", "consecutive_errors")


@admin.register(FeedItem)
class FeedItemAdmin(admin.ModelAdmin):
    list_display = ("title", "feed", "status", "published_at")
    list_filter = ("status", "feed__outlet")
    search_fields = ("title", "url")
    raw_id_fields = ("article",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


class SourceRevisionInline(admin.TabularInline):
    model = SourceRevision
    extra = 0
    fields = ("number", "fetched_at", "final_url", "charset", "is_manual")
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Article)
class ArticleAdmin(TranslationAdmin):  # type: ignore[type-arg]
    """Live fields are read-only here, so they are grouped by language in folded sections rather
    than modeltranslation's tabs (which group only editable inputs and load jQuery UI from a
    public CDN, which the CSP blocks): the story's admin page loads scripts from our origin only."""

    list_display = ("source_title", "outlet", "language", "triage", "source_published_at", "created_at")
    list_filter = ("outlet", "language", "triage", "is_featured")
    search_fields = ("source_title", "source_url", "title_en")
    date_hierarchy = "created_at"
    raw_id_fields = ("current_revision", "imported_by")
    inlines = [SourceRevisionInline]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Live fields are written by publishing only: the admin shows them but does not edit them.
        live = [
            f.name
            for f in Article._meta.get_fields()
            if f.name.split("_")[0]
            in {"title", "lead", "body", "slug", "seo", "byline", "page", "listed", "related", "machine"}
        ]
        published = [f.name for f in Article._meta.fields if f.name.startswith("published_at_")]
        return [*live, "published_at", *published, "tags"]

    def get_fieldsets(self, request, obj=None):  # type: ignore[no-untyped-def]
        live = translator.get_options_for_model(Article).all_fields
        by_language = {
            code: [build_localized_fieldname(field, code) for field in live] for code in settings.PUBLISHING_LANGUAGES
        }
        localized = {name for names in by_language.values() for name in names}
        (_name, options), *_rest = super().get_fieldsets(request, obj)
        source = [f for f in options["fields"] if f not in localized]
        sections = [
            (f"Live in {dict(settings.LANGUAGES).get(code, code)}", {"fields": names, "classes": ["collapse"]})
            for code, names in by_language.items()
        ]
        return [(None, {"fields": source}), *sections]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        # "Featured" shows on the listings (stored ones and cached pages forgotten).
        rendering.listings_changed()


@admin.register(SourceRevision)
class SourceRevisionAdmin(admin.ModelAdmin):
    list_display = ("article", "number", "fetched_at", "charset", "is_manual")
    raw_id_fields = ("article",)
    readonly_fields = ("raw_compressed",)


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    """Read-only: a correction is published by the workflow with the corrected text."""

    list_display = ("article", "language", "published_at", "note")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(SlugRedirect)
class SlugRedirectAdmin(admin.ModelAdmin):
    list_display = ("slug", "language", "article")
    raw_id_fields = ("article",)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor", "action", "target_repr", "ip_address")
    list_filter = ("action",)
    search_fields = ("target_repr", "actor__username")
    date_hierarchy = "created_at"

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
