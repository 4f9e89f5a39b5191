"""Benchmark settings: the production settings plus the floor URL and a switchable page cache."""

import os

from newsroom.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor_urls"
SITE_CACHE_SECONDS = int(os.environ.get("SITE_CACHE_SECONDS", "600"))
