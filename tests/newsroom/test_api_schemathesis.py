"""Schemathesis against the live test server: property-based requests generated from /api/v1/schema/.

Every check is on (no 5xx, status codes, content types, headers and bodies as the schema says,
junk rejected with a 4xx, valid input accepted, writes refused with 405 and Allow), with a
bounded number of examples per operation so the run stays well under a minute. The summary
is printed (``pytest -s``) for the closing notes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.newsroom.test_site_pages import SOURCE_HTML_BLOCKS, make_staff, publish_story

pytestmark = pytest.mark.django_db(transaction=True)

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "15"))


def test_schemathesis_finds_no_server_error_and_no_schema_mismatch(live_server, tmp_path):
    staff = make_staff()
    publish_story(
        staff, blocks=SOURCE_HTML_BLOCKS, tags="Minsk, Protests", notes=[{"id": "n", "after": "", "text": "A"}]
    )
    publish_story(staff, title="Second story", tags="Minsk")
    run = subprocess.run(  # noqa: S603 - our own tool, fixed arguments, a 127.0.0.1 target
        [
            SCHEMATHESIS, "run", f"{live_server.url}/api/v1/schema/",
            "--checks", "all",
            "--max-examples", str(MAX_EXAMPLES),
            "--workers", "1",
            "--seed", "20",
            "--request-timeout", "20",
            "--generation-database", "none",
            "--no-color",
        ],
        capture_output=True, text=True, timeout=240, cwd=tmp_path,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )  # fmt: skip
    print(run.stdout[-4000:])
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
    assert "7 selected / 7 total" in run.stdout and " passed" in run.stdout
