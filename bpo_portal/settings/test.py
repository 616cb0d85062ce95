"""Tests: the same settings, with fast hashing, eager Celery and in-memory mail."""

from __future__ import annotations

import os

from .base import *  # noqa: F403
from .base import _redis_db

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True  # receivers the tests start on 127.0.0.1
WHITENOISE_USE_FINDERS = True
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = ["rest_framework.renderers.JSONRenderer"]  # noqa: F405
if not REDIS_URL:  # noqa: F405
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw"):
    # Parallel test processes (pytest-xdist gw0, gw1...) each get their own cache
    # database: every test clears the cache (FLUSHDB), which must not wipe another
    # process's rate-limit counters mid-test. A real worker a test starts inherits it.
    # (Without xdist the cache is REDIS_URL's database + 1, as in base.py.)
    _cache_db = 10 + int(os.environ["PYTEST_XDIST_WORKER"][2:])
    os.environ["CACHE_REDIS_URL"] = _redis_db(REDIS_URL, _cache_db)  # noqa: F405
    CACHES["default"]["LOCATION"] = os.environ["CACHE_REDIS_URL"]
