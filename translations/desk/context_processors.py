from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    from translations import permissions

    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.DESK_SITE_NAME,
        "DESK_TIME_ZONE": settings.TIME_ZONE,
        "is_editor": permissions.is_editor(user),
        "is_reviewer": permissions.is_reviewer(user),
        "is_desk_member": permissions.is_desk_member(user),
    }
