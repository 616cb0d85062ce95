"""Settings for every environment, read from the environment.

Defaults need no server: SQLite under var/, Celery on Kombu's filesystem
transport under var/, e-mail to the console. Set DATABASE_URL and REDIS_URL
to use PostgreSQL and Redis. Production overrides live in production.py.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS: list[str] = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Open-contracting data (reports.ocds): ocid = prefix + RFP id. Register a prefix with the
# Open Contracting Partnership before publishing the data widely.
OCDS_OCID_PREFIX = env.str("OCDS_OCID_PREFIX", default="ocds-bpoportal-")
OCDS_PUBLISHER_NAME = env.str("OCDS_PUBLISHER_NAME", default="BPO Portal")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django.contrib.postgres",
    # third party
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "django_countries",
    "django_celery_beat",
    "csp",
    # ours
    "bpo_portal",
    "accounts",
    "vendors",
    "rfp",
    "proposals",
    "scoring",
    "jobs",
    "reports",
    "home",  # on top: the dashboards and the demo loader compose every app
]

MIDDLEWARE = [
    # /livez/ answers before host validation and the HTTPS redirect (container probe).
    "bpo_portal.middleware.LivenessMiddleware",
    # A NUL character in the address, an over-long query string: 400, before any lookup.
    "bpo_portal.middleware.AddressGuardMiddleware",
    # ETag and 304 on the API's GETs (bpo_portal/conditional.py).
    "bpo_portal.conditional.ApiConditionalGetMiddleware",
    "bpo_portal.throttling.RateLimitHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    # Idempotency-Key on the API's POSTs (accounts/idempotency.py).
    "accounts.idempotency.IdempotencyMiddleware",
    "bpo_portal.middleware.ApplicationErrorMiddleware",
]

ROOT_URLCONF = "bpo_portal.urls"
WSGI_APPLICATION = "bpo_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.account_context",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the Celery worker write to one file: wait for locks
    # instead of failing, and let readers go on while one process writes.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file (real workers started by tests open it too), one per test run so that two
    # runs on one machine never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
else:
    # Reconnect transparently after the database restarts between requests.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# --- Redis: Celery broker and cache -----------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")


def _redis_db(url: str, db: int) -> str:
    """The same Redis server on another database number (path /<db>)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


REDIS_LAST_DATABASE = 15  # a stock redis-server has databases 0-15


def cache_redis_url(redis_url: str, override: str = "") -> str:
    """Where the cache lives: CACHE_REDIS_URL when set, else the database after the one
    REDIS_URL names (no database named = 0, so 1). Two deployments sharing one Redis
    server on different databases then never share throttle counters or job progress
    keys, and flushing the cache never touches the Celery queues. The database is the
    URL's path or, as redis-py reads it, its `?db=` (which wins; a unix:// URL's path is
    the socket's, so there only `?db=` names the database)."""
    if override:
        return override
    parts = urlsplit(redis_url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    socket = parts.scheme == "unix"
    named = query.get("db") or ("" if socket else parts.path.strip("/"))
    if named and not named.isdigit():
        raise ImproperlyConfigured(
            f"REDIS_URL names the Redis database {named!r}: it must be a number (0-15)."
        )
    database = int(named or 0)
    if database >= REDIS_LAST_DATABASE:
        raise ImproperlyConfigured(
            f"REDIS_URL names Redis database {database}; the cache uses the next one and "
            f"there is none after {REDIS_LAST_DATABASE}. Choose a lower database in REDIS_URL "
            "or set CACHE_REDIS_URL to the cache's own database."
        )
    if not socket and "db" not in query:
        return _redis_db(redis_url, database + 1)
    query["db"] = str(database + 1)
    if socket:  # kept as written: urlunsplit would drop the empty host of unix:///
        return f"{redis_url.partition('?')[0]}?{urlencode(query)}"
    return urlunsplit(parts._replace(path=f"/{database + 1}", query=urlencode(query)))


if REDIS_URL:
    # The cache lives in its own Redis database so that clearing it never
    # touches the Celery queues. It fails soft: when Redis is down, reads miss and
    # writes are dropped (throttling and rate limits are then not enforced) rather
    # than every request failing; see bpo_portal/cache.py.
    CACHES = {
        "default": {
            "BACKEND": "bpo_portal.cache.FailSoftRedisCache",
            "LOCATION": cache_redis_url(REDIS_URL, env.str("CACHE_REDIS_URL", default="")),
            "KEY_PREFIX": "bpo",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    # A file cache is shared by the web server and the worker, unlike the
    # per-process local-memory cache.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Celery -------------------------------------------------------------------
CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A task whose worker died is handed to another worker after this long.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900),
        "socket_connect_timeout": 2,
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    for sub in ("out", "processed"):
        (CELERY_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "out"),
        "data_folder_out": str(CELERY_BROKER_DIR / "out"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=600)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=540)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Webhooks go to public https addresses only. For trying them against a receiver on
# this machine (and in the tests), WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=true also allows
# http and private addresses such as 127.0.0.1 (accounts/webhooks.py).
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", default=False)
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "resend-stalled-emails": {"task": "bpo_portal.tasks.resend_stalled_emails", "schedule": 300.0},
    "jobs-recover-stalled": {"task": "jobs.tasks.recover_stalled_jobs", "schedule": 60.0},
    "accounts-forget-idempotency-keys": {
        "task": "accounts.tasks.forget_idempotency_keys",
        "schedule": 3600.0,
    },
    "accounts-resend-due-webhooks": {
        "task": "accounts.tasks.resend_due_webhooks",
        "schedule": 60.0,
    },
    "jobs-delete-old-uploads": {"task": "jobs.tasks.delete_old_uploads", "schedule": 86400.0},
    "vendors-certificate-expiry": {
        "task": "vendors.tasks.process_certificate_expiry",
        "schedule": crontab(hour=6, minute=0),
    },
    "rfp-close-past-deadline": {"task": "rfp.tasks.close_rfps_past_deadline", "schedule": 60.0},
    "rfp-deadline-reminders": {"task": "rfp.tasks.send_rfp_deadline_reminders", "schedule": 300.0},
    "scoring-refresh-stale-results": {
        "task": "scoring.tasks.refresh_stale_results",
        "schedule": 30.0,
    },
    "proposals-open-technical-envelopes": {
        "task": "proposals.tasks.open_technical_envelopes",
        "schedule": 60.0,
    },
}

# --- Auth and accounts ------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# No page tells a visitor whether an address has an account: password reset and sign-up
# answer alike for known and unknown addresses, and e-mail the address instead (the
# vendor registration does the same: accounts.services.address_in_use_notify).
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[BPO Portal] "
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_RATE_LIMITS = {
    # Wrong passwords are throttled per account and client, with a looser limit per
    # account that slows and never locks (accounts.login_throttle), not by allauth's
    # per-address limit, which locked out everyone behind one office's address.
    "login_failed": None,
    # Successful sign-ins per address: an office of hundreds signing in at nine.
    "login": "300/m/ip",
    "signup": "20/h/ip",
    "reset_password": "5/h/ip,3/h/key",
}
# Behind a reverse proxy: how many proxies append to X-Forwarded-For. The log-in
# throttle counts per client address; with 0 behind a proxy every user shares one.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "BPO Portal"


INVITATION_VALID_FOR = timedelta(days=env.int("INVITATION_VALID_DAYS", default=14))

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]


def object_storage(
    bucket: str,
    *,
    endpoint_url: str = "",
    region: str = "",
    addressing_style: str = "",
    location: str = "",
    url_expiry: int = 60,
) -> dict[str, object]:
    """The default storage on an S3-compatible bucket (AWS S3, MinIO...), for more than one
    web node: every node and worker reads the files the others wrote. Objects stay private:
    no ACL is set (they take the bucket's, private by default), there is no public domain,
    and any URL the storage makes is signed and expires after `url_expiry` seconds. Our
    downloads do not use those URLs: the authorised views stream the file
    (bpo_portal.uploads.serve_private_file). Credentials come from boto3's usual chain
    (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the instance's role), never settings."""
    options: dict[str, object] = {
        "bucket_name": bucket,
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": url_expiry,
        "signature_version": "s3v4",  # what every AWS region and MinIO accept
        "custom_domain": None,
        # Random names (private_upload_to) never collide, but a file is never overwritten.
        "file_overwrite": False,
        # A download larger than this is spooled to a temporary file, not held in memory.
        "max_memory_size": 5 * 1024 * 1024,
        "location": location,
    }
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
    if region:
        options["region_name"] = region
    if addressing_style:
        options["addressing_style"] = addressing_style
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


# Uploaded and generated files are private: never served from MEDIA_URL, only through views
# that check the user's right to see them. On one node they live in MEDIA_ROOT; with
# AWS_STORAGE_BUCKET_NAME set, in that bucket (object_storage above).
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
STORAGES: dict[str, dict[str, object]] = {
    "default": (
        object_storage(
            AWS_STORAGE_BUCKET_NAME,
            endpoint_url=env.str("AWS_S3_ENDPOINT_URL", default=""),
            region=env.str("AWS_S3_REGION_NAME", default=""),
            addressing_style=env.str("AWS_S3_ADDRESSING_STYLE", default=""),
            location=env.str("AWS_LOCATION", default="").strip("/"),
            url_expiry=env.int("AWS_QUERYSTRING_EXPIRE", default=60),
        )
        if AWS_STORAGE_BUCKET_NAME
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
MAX_UPLOAD_SIZE = env.int("MAX_UPLOAD_SIZE", default=20 * 1024 * 1024)

# --- E-mail -----------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="BPO Portal <no-reply@bpo-portal.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST API -----------------------------------------------------------------
REST_FRAMEWORK = {
    # DRF's parsers, refusing text with a NUL character (PostgreSQL cannot hold one).
    # Request bodies are JSON; the endpoints that take a file say multipart themselves.
    "DEFAULT_PARSER_CLASSES": ["bpo_portal.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "bpo_portal.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "bpo_portal.api_fields.UpdatedAfterFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "bpo_portal.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "bpo_portal.errors.api_exception_handler",
    # DRF's rates counted in fixed windows, one cache round trip a request.
    "DEFAULT_THROTTLE_CLASSES": [
        "bpo_portal.throttling.AnonWindowRateThrottle",
        "bpo_portal.throttling.UserWindowRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="2000/hour"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ]

SPECTACULAR_SETTINGS = {
    "TITLE": "BPO Portal API",
    "DESCRIPTION": (
        "Run BPO sourcing events: vendors, RFPs, proposals, scoring and reports. "
        "Authenticate with a personal API token: `Authorization: Token <key>`. "
        'Every 4xx response has the shape `{"message": ..., "extra": {"fields": {...}}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "bpo_portal.errors.add_error_responses_hook",
    ],
    "ENUM_NAME_OVERRIDES": {
        "QualificationStatusEnum": "vendors.models.QualificationStatus",
        "ReportKindEnum": "reports.models.ReportKind",
    },
}

# --- Security headers ---------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12

MESSAGE_TAGS = {40: "danger"}
FORM_RENDERER = "bpo_portal.forms.FormRenderer"
CSRF_FAILURE_VIEW = "bpo_portal.views.csrf_failure"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
