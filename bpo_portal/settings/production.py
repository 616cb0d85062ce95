"""Production: no defaults for secrets, HTTPS only. Passes `check --deploy`."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env.str("SECRET_KEY")  # no default: refuses to start without one
DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
WHITENOISE_USE_FINDERS = False
REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = ["rest_framework.renderers.JSONRenderer"]  # noqa: F405

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
