from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def site(request: HttpRequest) -> dict[str, Any]:
    from translations import permissions
    from translations.desk import navigation

    user = getattr(request, "user", None)
    return {
        "SITE_NAME": settings.DESK_SITE_NAME,
        "DESK_TIME_ZONE": settings.TIME_ZONE,
        "is_editor": permissions.is_editor(user),
        "is_reviewer": permissions.is_reviewer(user),
        "is_desk_member": permissions.is_desk_member(user),
        # `make run`'s demo turns second factors off; every desk page then says so.
        "second_factor_off_banner": not settings.DESK_REQUIRE_SECOND_FACTOR and settings.DESK_SECOND_FACTOR_BANNER,
        # Built (one query for the unread count) only when a desk page draws its bar.
        "desk_nav": SimpleLazyObject(lambda: navigation.desk_nav(user=user, path=request.path)),
    }
