"""The read API answers at its root with an index, and its interactive reference is ours (issue 29)."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_api_root_is_a_json_index_of_its_endpoints(client):
    response = client.get("/api/v1/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    body = response.json()
    paths = {e["path"] for e in body["endpoints"]}
    assert {"/api/v1/stories/", "/api/v1/stories/{story_id}/", "/api/v1/tags/"} <= paths
    assert body["schema_url"] == "/api/v1/schema/" and body["docs_url"] == "/api/v1/docs/"


def test_the_reference_is_served_from_our_origin_and_allowed_by_its_own_policy(client):
    for _ in range(2):  # the second answer may come from the API's cache: the same policy
        response = client.get("/api/v1/docs/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn." not in html
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "data:" in policy
    assert finders.find("ninja/swagger-ui-bundle.js")  # installed with django-ninja, collected with ours
    # Elsewhere the policy stays strict.
    assert "data:" not in client.get("/").get("Content-Security-Policy", "")


def test_site_footer_links_the_reference(client):
    assert f'href="{reverse("api:openapi-view")}"' in client.get("/").content.decode()
