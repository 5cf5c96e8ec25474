"""Settings for the hub, read from the environment (see the README for every variable).

With no configuration the hub runs on SQLite with jobs executed in-process; DATABASE_URL and
REDIS_URL switch it to PostgreSQL and Celery workers over Redis.
"""

from pathlib import Path

import environ
import structlog
from celery.schedules import schedule
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Behind TLS in production these are all switched on; the embedded default serves plain HTTP.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "guardian",
    "django_structlog",
    "hub.core",
    "hub.enterprises",
    "hub.catalogue",
    "hub.agreements",
    "hub.submissions",
    "hub.partners",
    "hub.declarations",
    "hub.crosschecks",
    "hub.tracking",
    "hub.risk",
]

MIDDLEWARE = [
    "hub.core.middleware.ApiBodySizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
]

ROOT_URLCONF = "hub.urls"
WSGI_APPLICATION = "hub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hub.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "var")))
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'hub.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg 3 pool inside each process; persistent connections must stay off with a pool.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
        "timeout": env.int("DATABASE_POOL_TIMEOUT", default=10),
    }
    # Parameters travel apart from the SQL, and a statement a connection has run twice is
    # prepared, so PostgreSQL stops parsing and planning the same dozen statements of every
    # push (docs/decisions/0015). A pooler in transaction mode older than PgBouncer 1.21 cannot
    # keep prepared statements: set DATABASE_PREPARED_STATEMENTS=false behind one.
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"]["OPTIONS"].update(
            {"server_side_binding": True, "prepare_threshold": 2}
        )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # WAL and immediate transactions let the web process and the sweeper share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
GUARDIAN_RAISE_403 = True

# --- Internationalization -------------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- API ------------------------------------------------------------------------------------
# Bodies above this size are refused with 413 before they are read.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=16 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
# Requests per API key (or person), e.g. "3000/min"; 429 with Retry-After beyond it.
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="3000/min")
# Excel uploads: the largest file and the most data rows in one. The file travels in a multipart
# body, which must also pass API_MAX_BODY_BYTES: room is left for the envelope and form fields.
UPLOAD_ENVELOPE_BYTES = 64 * 1024
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=API_MAX_BODY_BYTES - UPLOAD_ENVELOPE_BYTES)
UPLOAD_MAX_ROWS = env.int("UPLOAD_MAX_ROWS", default=100_000)
if UPLOAD_MAX_BYTES > API_MAX_BODY_BYTES - UPLOAD_ENVELOPE_BYTES:
    raise ImproperlyConfigured(
        f"UPLOAD_MAX_BYTES ({UPLOAD_MAX_BYTES}) must be at most API_MAX_BODY_BYTES minus "
        f"{UPLOAD_ENVELOPE_BYTES} for the multipart envelope; raise API_MAX_BODY_BYTES as well."
    )

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "hub.enterprises.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "hub.core.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Customs data-sharing hub API",
    "DESCRIPTION": (
        "Voluntary sharing of ERP trade data with customs under a data-sharing agreement. "
        "Enterprise integrations authenticate with `Authorization: Api-Key <key>`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Served from our own static files: the docs page must work without reaching a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Both parties' fields of an agreement take the same choices: one name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "AgreementPartyEnum": "hub.agreements.models.Party",
        "StageEnum": "hub.tracking.status.Stage",
        "CargoEventTypeEnum": "hub.tracking.models.CargoEventType",
        "DeclarationStatusEnum": "hub.declarations.models.DeclarationStatus",
        # Answers of the writes that store items: consignments and cargo events.
        "StoredOrUnchangedEnum": ["accepted", "unchanged"],
        "ItemOutcomeEnum": ["accepted", "unchanged", "refused"],
        # Answers of the customs system's feeds of status changes and bank payments.
        "RecordOutcomeEnum": ["recorded", "unchanged", "refused"],
    },
}

# --- Keys ------------------------------------------------------------------------------------
# Ed25519 private key (32 bytes, base64) that signs agreement records.
AGREEMENT_SIGNING_KEY = env.str("AGREEMENT_SIGNING_KEY", default="")
# AES-GCM key ring for confidential fields: "<key id>:<32 bytes base64>,...", the first encrypts.
FIELD_ENCRYPTION_KEYS = env.str("FIELD_ENCRYPTION_KEYS", default="")
# HMAC key (32 bytes, base64) of the blind indexes that match encrypted identifiers.
BLIND_INDEX_KEY = env.str("BLIND_INDEX_KEY", default="")

# --- Tracking: when a consignment's alert asks the enterprise to act ------------------------
# Duty owed and due within this many days (or overdue).
TRACKING_DUTY_ALERT_DAYS = env.int("TRACKING_DUTY_ALERT_DAYS", default=3)
# Arrival later than the shared estimate by more than this, or this overdue with no arrival.
TRACKING_DELAY_ALERT_HOURS = env.int("TRACKING_DELAY_ALERT_HOURS", default=24)
# Arrived this long ago and no declaration matched to it.
TRACKING_UNDECLARED_ALERT_HOURS = env.int("TRACKING_UNDECLARED_ALERT_HOURS", default=48)

# --- Cache: shared by every web process when Redis is configured (rate limits live here) ---
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.str("REDIS_URL"),
    }
    if env.str("REDIS_URL", default="")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}

# --- Jobs -----------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
JOBS_IN_PROCESS = not REDIS_URL
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = JOBS_IN_PROCESS
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="hub")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
# Workers log through LOGGING below, as structured lines like the web processes.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
OUTBOX_SWEEP_SECONDS = env.float("OUTBOX_SWEEP_SECONDS", default=30)
# A job sent but not run after this long is sent again (its first message may be lost).
OUTBOX_REQUEUE_AFTER_SECONDS = env.int("OUTBOX_REQUEUE_AFTER_SECONDS", default=600)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
# Jobs of the same task travel together, this many to a message.
OUTBOX_DISPATCH_CHUNK = env.int("OUTBOX_DISPATCH_CHUNK", default=50)
AUDIT_SEAL_SECONDS = env.float("AUDIT_SEAL_SECONDS", default=10)
WORKER_HEARTBEAT_SECONDS = 10
# --- Cross-checks of declarations against shared data (docs/crosschecks.md) -----------------
# Differences within these are not findings; officers read them on /crosschecks/tolerances.
# The environment overrides any of them, e.g.
# CROSSCHECK_TOLERANCES="value_relative=0.05,match_window_days=10"
CROSSCHECK_TOLERANCES = {
    "quantity_relative": "0.02",
    "net_weight_relative": "0.05",
    "value_relative": "0.03",
    "freight_insurance_margin": "0.10",
    "payment_relative": "0.03",
    "high_severity_factor": "3",
    "late_sharing_grace_hours": "0",
    "consignor_similarity": "90",
    "exchange_rate_max_age_days": "7",
    "match_window_days": "7",
    "match_seller_similarity": "85",
    "match_value_relative": "0.10",
    "container_window_days": "60",
    **env.dict("CROSSCHECK_TOLERANCES", default={}),
}
# Declarations matched and cross-checked by one job, in a handful of set-based queries.
CROSSCHECK_CHUNK_SIZE = env.int("CROSSCHECK_CHUNK_SIZE", default=500)
# --- Risk profiling (docs/risk.md) ------------------------------------------------------------
# The secret behind each declaration's random-inspection draw (SECRET_KEY when empty): set it to
# keep the draws when SECRET_KEY rotates; whoever knows it can tell which declarations are drawn.
RISK_RANDOM_SEED = env.str("RISK_RANDOM_SEED", default="")
# No rule-set version may set a lane's random inspection rate below this; it must be above zero.
RISK_MIN_RANDOM_RATE = env.float("RISK_MIN_RANDOM_RATE", default=0.005)
if not RISK_MIN_RANDOM_RATE > 0:
    raise ImproperlyConfigured("RISK_MIN_RANDOM_RATE must be above zero: every lane is sampled.")
# Declarations profiled per transaction, in a handful of set-based queries.
RISK_REFRESH_CHUNK = env.int("RISK_REFRESH_CHUNK", default=2000)
# How often the open profiles are refreshed for what changes without a hook (time, partners).
RISK_REFRESH_SECONDS = env.float("RISK_REFRESH_SECONDS", default=900)
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "core.outbox_sweep", "schedule": schedule(OUTBOX_SWEEP_SECONDS)},
    "audit-seal": {"task": "core.audit_seal", "schedule": schedule(AUDIT_SEAL_SECONDS)},
    "risk-refresh": {
        "task": "risk.open_profiles_refresh",
        "schedule": schedule(RISK_REFRESH_SECONDS),
    },
}

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
DJANGO_STRUCTLOG_CELERY_ENABLED = True
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False

_shared_processors = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processor": structlog.processors.JSONRenderer()
            if LOG_FORMAT == "json"
            else structlog.dev.ConsoleRenderer(colors=False),
            "foreign_pre_chain": _shared_processors,
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "django_structlog": {"level": env.str("REQUEST_LOG_LEVEL", default=LOG_LEVEL)},
    },
}
structlog.configure(
    processors=[
        *_shared_processors,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)
