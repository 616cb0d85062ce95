"""Settings of the server processes that tests/test_faults.py starts (tests.helpers.
LiveServer): the real base settings, as `make run` and production use them, except that
static files come from the finders (no collectstatic) and the tests' fast password hash
is accepted."""

from bpo_portal.settings.base import *  # noqa: F403

DEBUG = False
WHITENOISE_USE_FINDERS = True
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",  # the users the tests create
]
