"""URLs of the translators' workspace; included in namespace ``desk``.

The public invitation page (``invite_accept``, /join/<token>/) is in newsroom/urls.py: every
``desk:`` URL requires a logged-in member.
"""

from django.urls import URLPattern, path

from translations.desk import machine_views
from translations.desk import workspace_views as views

urlpatterns: list[URLPattern] = [
    path("jobs/", views.jobs, name="jobs"),
    path("mine/", views.mine, name="mine"),
    path("start/", views.landing, name="landing"),
    path("t/<int:pk>/", views.translation_detail, name="translation"),
    path("t/<int:pk>/autosave/", views.autosave, name="autosave"),
    path("t/<int:pk>/presence/", views.presence_beat, name="presence"),
    path("t/<int:pk>/memory/", views.memory_suggestions, name="memory"),
    path("t/<int:pk>/submit/", views.submit, name="submit"),
    path("c/<int:pk>/reply/", views.comment_reply, name="comment_reply"),
    path("notifications/", views.notifications_page, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("glossary/", views.glossary_page, name="glossary"),
    path("glossary/<int:pk>/edit/", views.glossary_edit, name="glossary_edit"),
    path("glossary/<int:pk>/delete/", views.glossary_delete, name="glossary_delete"),
    path("profile/", views.profile, name="profile"),
    path("invite/", views.invite, name="invite"),
    path("roles/", views.role_grants, name="roles"),
    path("roles/<int:pk>/<str:decision>/", views.role_grant_decide, name="role_grant_decide"),
    # Machine drafts
    path("t/<int:pk>/machine-draft/", machine_views.machine_draft_request, name="machine_draft"),
    path("t/<int:pk>/machine-draft/<int:job_pk>/", machine_views.machine_draft_status, name="machine_draft_status"),
    path("machine-drafts/", machine_views.machine_draft_batch, name="machine_draft_batch"),
]
