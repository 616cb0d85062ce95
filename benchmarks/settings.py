"""The settings the load benchmarks serve with: the project's, DEBUG off, and the URLs
plus the bare view they compare against (benchmarks/bare_urls.py)."""

from bpo_portal.settings.base import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "benchmarks.bare_urls"
