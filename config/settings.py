"""SafeCampus settings.

One module; the few switches a deployment needs come from the environment:

- ``DATABASE_URL``: PostgreSQL (``postgres://user@host:5432/name``); default embedded SQLite.
- ``REDIS_URL``: Huey jobs on Redis; default Huey on SQLite beside the database.
- ``SAFECAMPUS_S3_BUCKET`` (+ ``AWS_*``): evidence and job files on S3-compatible storage.
- ``SAFECAMPUS_VAR``: where the embedded default keeps its database, uploads and job queue.
- ``SAFECAMPUS_DEBUG``, ``SAFECAMPUS_SECRET_KEY``, ``SAFECAMPUS_ALLOWED_HOSTS``.
- ``SAFECAMPUS_LOGIN_BUREAU``: the bureau id the plain login page belongs to (see accounts).
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SAFECAMPUS_VAR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if key := os.environ.get("SAFECAMPUS_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("SAFECAMPUS_DEBUG", "") == "1"
ALLOWED_HOSTS = os.environ.get("SAFECAMPUS_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(
    ","
)
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("SAFECAMPUS_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "huey.contrib.djhuey",
    "safecampus.core",
    "safecampus.audit",
    "safecampus.orgs",
    "safecampus.accounts",
    "safecampus.catalog",
    "safecampus.hazards",
    "safecampus.campaigns",
    "safecampus.inspections",
    "safecampus.weekly",
    "safecampus.evaluation",
    "safecampus.spotchecks",
    "safecampus.accountability",
    "safecampus.duties",
    "safecampus.standards",
    "safecampus.zones",
    "safecampus.incidents",
    "safecampus.watch",
    "safecampus.notifications",
    "safecampus.messaging",
    "safecampus.reports",
    "safecampus.home",
    "safecampus.demo",
]

MIDDLEWARE = [
    "safecampus.core.middleware.DatabaseBusyMiddleware",  # first: it sees every 500
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "safecampus.core.middleware.SessionRefreshMiddleware",
    "safecampus.core.middleware.LanguageMiddleware",
    "safecampus.core.middleware.CommonMiddleware",  # a 308 in JSON for /api/ without its slash
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "safecampus.core.middleware.RequestIdMiddleware",
    "safecampus.core.errors.ApiExceptionMiddleware",
    "safecampus.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

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
                "django.template.context_processors.i18n",
                "safecampus.home.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
# The embedded default is SQLite in WAL mode. Writers take the lock at BEGIN (IMMEDIATE) and wait
# up to 20 s for it, so that concurrent submissions queue instead of failing with "locked".
SQLITE_PATH = VAR_DIR / "safecampus.sqlite3"
_database_url = os.environ.get("DATABASE_URL", "")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": SQLITE_PATH}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, with a statement that found the write lock taken for longer than
    # busy_timeout started again outside a transaction (safecampus/core/sqlite/base.py)
    DATABASES["default"]["ENGINE"] = "safecampus.core.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
            " PRAGMA foreign_keys=ON; PRAGMA cache_size=-64000;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Jobs ---------------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    HUEY = {"huey_class": "huey.RedisHuey", "name": "safecampus", "url": REDIS_URL}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "safecampus",
        "filename": str(VAR_DIR / "jobs.sqlite3"),
    }
HUEY["immediate"] = os.environ.get("SAFECAMPUS_JOBS_IMMEDIATE", "") == "1"
# Periodic jobs' crontabs are in Asia/Shanghai (the digest at 07:30 is a Shanghai morning): Huey
# reads the local clock, which Django sets to TIME_ZONE, instead of UTC.
HUEY["utc"] = False
HUEY["consumer"] = {
    "workers": int(os.environ.get("SAFECAMPUS_JOB_WORKERS", "2")),
    "worker_type": "thread",
}
# A running job holds a lease that its worker renews every JOB_HEARTBEAT_SECONDS; when a worker
# dies (killed, out of memory, server restart) the lease runs out and the job is retried, up to
# JOB_MAX_ATTEMPTS attempts in all, then given up with a message. A job waiting longer than
# JOB_PENDING_SECONDS with no task in the queue is queued again.
JOB_LEASE_SECONDS = float(os.environ.get("SAFECAMPUS_JOB_LEASE_SECONDS", "60"))
JOB_HEARTBEAT_SECONDS = float(
    os.environ.get("SAFECAMPUS_JOB_HEARTBEAT_SECONDS", str(JOB_LEASE_SECONDS / 6))
)
JOB_MAX_ATTEMPTS = int(os.environ.get("SAFECAMPUS_JOB_MAX_ATTEMPTS", "3"))
JOB_PENDING_SECONDS = float(os.environ.get("SAFECAMPUS_JOB_PENDING_SECONDS", "120"))

# --- Files --------------------------------------------------------------------------------------
MEDIA_ROOT = VAR_DIR / "media"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATIC_URL = "/static/"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules/bootstrap/dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules/bootstrap-icons/font"),
    ("vendor/htmx", BASE_DIR / "node_modules/htmx.org/dist"),
    ("vendor/echarts", BASE_DIR / "node_modules/echarts/dist"),
    ("vendor/leaflet", BASE_DIR / "node_modules/leaflet/dist"),
]
# Private files (imports, exports, evidence) are never served from a public URL: views stream them
# after a scope check. On S3 the bucket stays private.
_s3_bucket = os.environ.get("SAFECAMPUS_S3_BUCKET", "")
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": _s3_bucket,
                "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }
        if _s3_bucket
        else {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
        }
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
#: A form of the whole catalog posts about 7 fields an item: the shipped catalog's 168 items make
#: an on-site inspection of ~1,200 fields, over Django's default of 1,000 (which refused it as a
#: bad request and lost the inspection). Room for catalogs of about 2,500 items.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000

# --- Security and sessions ----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "safecampus.accounts.validators.CharacterClassValidator"},
    {"NAME": "safecampus.accounts.validators.NotUsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_MAX_FAILURES = 5
LOGIN_LOCK_MINUTES = 15
# The bureau (id) whose auditors see failed logins with unknown user names on the plain login
# page, when the browser has no remembered bureau; unset: the top-level bureau when there is
# only one (safecampus/accounts/login_bureau.py).
SAFECAMPUS_LOGIN_BUREAU = int(os.environ.get("SAFECAMPUS_LOGIN_BUREAU", "0")) or None
SESSION_COOKIE_AGE = 30 * 60  # idle sessions end after 30 minutes
# the database store, with SQLite's write lock retried (a login rush writes many sessions)
SESSION_ENGINE = "safecampus.core.sessions"
# The idle timeout slides: SessionRefreshMiddleware re-saves the session (and its expiry) when
# its last refresh is a minute old, instead of on every request (SESSION_SAVE_EVERY_REQUEST).
SESSION_REFRESH_SECONDS = 60

# --- Dashboards ---------------------------------------------------------------------------------
# A bureau dashboard over more schools than this shows a snapshot counted by a job, with its
# "as of" time, instead of counting the register on every request (reports/snapshots.py).
DASHBOARD_LIVE_MAX_SCHOOLS = int(os.environ.get("SAFECAMPUS_DASHBOARD_LIVE_MAX_SCHOOLS", "3000"))
# seconds after which a snapshot is counted again
DASHBOARD_SNAPSHOT_MAX_AGE = int(os.environ.get("SAFECAMPUS_DASHBOARD_SNAPSHOT_MAX_AGE", "600"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
CSRF_FAILURE_VIEW = "safecampus.core.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
HTTPS = os.environ.get("SAFECAMPUS_HTTPS", "") == "1"
if HTTPS:
    # behind a TLS-terminating proxy: cookies only over HTTPS, and browsers told to use HTTPS
    # for a year (HSTS) once they have seen the site over it
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SAFECAMPUS_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = (
        os.environ.get("SAFECAMPUS_HSTS_INCLUDE_SUBDOMAINS", "1") == "1"
    )
    SECURE_HSTS_PRELOAD = False

# Content-Security-Policy (django-csp): only the product's own scripts, styles, fonts and images.
# An inline <script> or <style> runs only with the request's nonce ({{ request.csp_nonce }});
# templates have no inline event handlers (static/js/safecampus.js reads data- attributes).
# style="" attributes stay allowed (style-src-attr): ECharts writes its tooltips as HTML with
# style attributes, progress bars set their width that way, and a style attribute cannot run
# code or load anything from elsewhere (images still go through img-src).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-elem": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# API tokens (accounts.ApiToken) expire after this many days unused, and this many days after
# they were issued however often they are used. Their last use is recorded at most once per
# API_TOKEN_TOUCH_SECONDS, not on every request.
API_TOKEN_IDLE_DAYS = int(os.environ.get("SAFECAMPUS_API_TOKEN_IDLE_DAYS", "30"))
API_TOKEN_MAX_DAYS = int(os.environ.get("SAFECAMPUS_API_TOKEN_MAX_DAYS", "90"))
API_TOKEN_TOUCH_SECONDS = 300

# --- Language and time --------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # first, so that an unauthenticated request gets 401 + WWW-Authenticate (not 403)
        "safecampus.accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "safecampus.core.api.Pagination",
    "DEFAULT_SCHEMA_CLASS": "safecampus.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "safecampus.core.api.exception_handler",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SafeCampus API",
    "DESCRIPTION": "校园安全风险防控平台 REST API. Every endpoint is scoped to the caller's roles.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # choice sets that share a field name get names of their own
    "ENUM_NAME_OVERRIDES": {
        "HazardSourceEnum": "safecampus.hazards.choices.Source",
        "ZoneVenueSourceEnum": "safecampus.zones.choices.VenueSource",
        "ZoneBoundarySourceEnum": "safecampus.zones.choices.BoundarySource",
        "WatchRosterStatusEnum": "safecampus.watch.choices.RosterStatus",
        "WatchPeriodKindEnum": "safecampus.watch.choices.PeriodKind",
        "WatchLogKindEnum": "safecampus.watch.choices.LogKind",
        "WatchPostEnum": "safecampus.watch.choices.Post",
        "MessageStatusEnum": "safecampus.messaging.choices.Status",
        "MessageTransportEnum": "safecampus.messaging.choices.Transport",
        "RobotTransportEnum": "safecampus.messaging.api.serializers.ROBOT_TRANSPORTS",
        "JobStatusEnum": "safecampus.core.models.Job.Status",
        "InspectionFormStatusEnum": "safecampus.inspections.choices.FormStatus",
        "AccountabilityRecordStatusEnum": "safecampus.accountability.models.RecordStatus",
        "AccountabilityRecordKindEnum": "safecampus.accountability.models.RecordKind",
        "ConsultationStatusEnum": "safecampus.accountability.models.ConsultationStatus",
        "ConsultationKindEnum": "safecampus.accountability.models.ConsultationKind",
        "CampaignStatusEnum": "safecampus.campaigns.choices.CampaignStatus",
        "CampaignPhaseKindEnum": "safecampus.campaigns.choices.PhaseKind",
        "CampaignWeekdayEnum": "safecampus.campaigns.choices.WEEKDAYS",
        "SchoolStageEnum": "safecampus.orgs.choices.SchoolStage",
        "WeeklyReportStatusEnum": "safecampus.weekly.models.ReportStatus",
        "WeeklyReportActionEnum": "safecampus.weekly.models.ReportAction",
        "WeekStateEnum": "safecampus.weekly.choices.WeekState",
        "ActorRoleEnum": "safecampus.core.roles.Role",
        "SummaryEnum": "safecampus.hazards.choices.Summary",
    },
    # every operation declares the errors it answers, with the one Error body
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "safecampus.core.schema.add_error_responses",
        "safecampus.core.schema.local_times",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- hazard register ----------------------------------------------------------------------------
# Risk grade by LEC (D = L × E × C): the lowest score of each colour, highest first (DOMAIN §5).
# A deployment that grades by another method changes these bands; a hazard keeps the grade it got.
SAFECAMPUS_RISK_BANDS = [(320, "red"), (160, "orange"), (70, "yellow"), (0, "blue")]

# --- Zip files read (workbooks, zips of workbooks, Office documents as evidence) -----------------
# Checked on the zip's directory before anything is expanded (safecampus/core/archives.py).
# Override single keys of a kind, e.g. {"bundle": {"members": 5000}}; the defaults are in
# core.archives.DEFAULT_LIMITS: "office" (one .xlsx/.docx/.pptx) 1000 members, 64 MB per member,
# 256 MB in all, compressed at most 200 times (members above 1 MB); "bundle" (a zip of form
# workbooks) 2000 members, 20 MB each, 512 MB in all, no zip inside.
SAFECAMPUS_ZIP_LIMITS: dict[str, dict[str, int]] = {}

# --- Student safety zone map ------------------------------------------------------------------
# A tile URL for networks that have a tile server ("https://tiles.example/{z}/{x}/{y}.png"); empty:
# the map draws on a blank background (no outside request). The tiles' coordinate system
# (wgs84, gcj02 or bd09) decides in which system the map's coordinates are delivered.
SAFECAMPUS_MAP_TILES = os.environ.get("SAFECAMPUS_MAP_TILES", "")
SAFECAMPUS_MAP_TILES_SYSTEM = os.environ.get("SAFECAMPUS_MAP_TILES_SYSTEM", "wgs84")
# The tile server's images pass the Content-Security-Policy ("{s}" subdomains as a wildcard).
if SAFECAMPUS_MAP_TILES.startswith(("http://", "https://")):
    from urllib.parse import urlsplit

    _tiles = urlsplit(SAFECAMPUS_MAP_TILES.replace("{s}", "*"))
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(f"{_tiles.scheme}://{_tiles.netloc}")

# --- Messages that leave the platform (safecampus/messaging) -------------------------------------
# The address the links in e-mails and group messages point to ("https://aq.example.gov.cn").
SAFECAMPUS_BASE_URL = os.environ.get("SAFECAMPUS_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# E-mail: Django's SMTP backend, configured by the environment. Without a host, e-mails stay in
# the outbox as failed with the reason ("no SMTP server is configured"), nothing else blocked.
EMAIL_HOST = os.environ.get("SAFECAMPUS_SMTP_HOST", "")
EMAIL_PORT = int(os.environ.get("SAFECAMPUS_SMTP_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("SAFECAMPUS_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SAFECAMPUS_SMTP_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("SAFECAMPUS_SMTP_STARTTLS", "") == "1"
EMAIL_USE_SSL = os.environ.get("SAFECAMPUS_SMTP_SSL", "") == "1"
EMAIL_TIMEOUT = int(os.environ.get("SAFECAMPUS_SMTP_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("SAFECAMPUS_MAIL_FROM", "safecampus@localhost")
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# The robots' services. A closed network that reaches them through its own gateway sets these
# (a webhook must still start with the same path); tests point them at a local imitation.
SAFECAMPUS_DINGTALK_API = os.environ.get("SAFECAMPUS_DINGTALK_API", "https://oapi.dingtalk.com")
SAFECAMPUS_WECOM_API = os.environ.get("SAFECAMPUS_WECOM_API", "https://qyapi.weixin.qq.com")
# Messages a robot may send a minute (both services block a robot above about 20), counted
# across every worker through the database; the HTTP timeout of one send, in seconds.
SAFECAMPUS_ROBOT_PER_MINUTE = int(os.environ.get("SAFECAMPUS_ROBOT_PER_MINUTE", "20"))
SAFECAMPUS_ROBOT_TIMEOUT = float(os.environ.get("SAFECAMPUS_ROBOT_TIMEOUT", "8"))
# How long a worker holds messages it took to send before another may decide about them.
SAFECAMPUS_OUTBOX_LEASE_SECONDS = int(os.environ.get("SAFECAMPUS_OUTBOX_LEASE_SECONDS", "120"))
# Queued messages start a drain of the outbox at once (besides the drain every minute).
SAFECAMPUS_OUTBOX_KICK = os.environ.get("SAFECAMPUS_OUTBOX_KICK", "1") == "1"
SAFECAMPUS_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("SAFECAMPUS_OUTBOX_MAX_ATTEMPTS", "8"))
