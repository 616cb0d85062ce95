"""Settings for the real workers of tests/jobs/test_worker_crash.py: quick heartbeats, so
that a killed worker's job is taken over within seconds rather than a minute."""

from bpo_portal.settings.base import *  # noqa: F403

JOBS_HEARTBEAT_INTERVAL = 0.5
JOBS_STALE_AFTER = 3
