"""What readers get, rendered and stored, and every rule for when it is rendered again or forgotten.

- ``owner`` — the one owner: receives ``publishing.live_changed`` and every other change a page
  shows, holds every invalidation rule and the one batch context
  (:func:`owner.batch`, :func:`owner.person_credit_changed`, :func:`owner.listings_changed`);
- ``render`` — renders a story's body, its stored page and the home listing;
- ``stored`` — the stored pages and listings (rows), their stamps, and reading them;
- ``related`` — a story's related list and the lists it is offered to;
- ``batch`` — what an open batch collects.
"""
