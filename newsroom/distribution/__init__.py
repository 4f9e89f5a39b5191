"""Distribution: what follows a publication outside the site — partners' webhooks (signed per
Standard Webhooks, the story as IPTC ninjs), the source outlet's notice.

``newsroom.publishing`` sends ``live_changed``; :mod:`receivers` listens, like the site's
rendering owner, and queues the pushes on commit. This package reads the live story through
``newsroom.site.selectors`` and the public credits through ``translations.public`` only (an
import contract says so); partners are managed on the desk (``views``) by editors.
"""
