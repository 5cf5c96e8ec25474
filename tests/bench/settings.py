"""The hub's settings plus the naive comparison endpoint, for the benchmark server only."""

from hub.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.urls"
