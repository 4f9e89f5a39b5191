"""Which addresses belong to the signed-in surfaces (the desk, the admin, the account pages and
invitations) rather than the reader site: one list for every rule that tells them apart (private
caching, styled error pages, the second-factor check)."""

SIGNED_IN_PREFIXES = ("/desk/", "/admin/", "/accounts/", "/join/")


def is_signed_in_path(path: str) -> bool:
    return path.startswith(SIGNED_IN_PREFIXES)
