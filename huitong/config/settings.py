"""Huitong settings: everything comes from environment variables (see README, Configuration).

Embedded default: SQLite in ``HUITONG_DATA_DIR``, local-memory cache, background tasks run in-process.
Scale-out: ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` (cache + Celery broker).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent  # the huitong package
DATA_DIR = Path(os.environ.get("HUITONG_DATA_DIR", Path.cwd() / "var")).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value.strip() else default
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _installation_secret(env_name: str, file_name: str, factory) -> str:
    """A secret from the environment, or one generated once for this installation.

    Nothing is hard-coded: without the variable, a random value is created on first use and kept
    (mode 0600) in the data directory, so the embedded demo is secure by default. Deployments with
    several hosts must set the variable so that every process shares it.
    """
    value = os.environ.get(env_name, "").strip()
    if value:
        return value
    if env_bool("HUITONG_REQUIRE_SECRETS"):
        raise ImproperlyConfigured(f"{env_name} must be set (HUITONG_REQUIRE_SECRETS is on)")
    path = DATA_DIR / file_name
    if path.exists():
        return path.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    value = factory()
    tmp = path.with_name(f".{file_name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    try:
        os.link(tmp, path)  # atomic: if another process won the race, keep its value
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text().strip()


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


SECRET_KEY = _installation_secret("HUITONG_SECRET_KEY", "secret_key", lambda: secrets.token_urlsafe(50))
# Personal data (phones, names, addresses) is encrypted with these Fernet keys; the first encrypts,
# all decrypt (comma-separated, for rotation).
HUITONG_DATA_KEYS = _installation_secret("HUITONG_DATA_KEYS", "data_keys", _fernet_key).split(",")
DEBUG = env_bool("HUITONG_DEBUG", False)
ALLOWED_HOSTS = env_list("HUITONG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("HUITONG_CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "huitong.core",
    "huitong.accounts",
    "huitong.catalog",
    "huitong.channels",
    "huitong.members",
    "huitong.loyalty",
    "huitong.marketing",
    "huitong.inventory",
    "huitong.payments",
    "huitong.purchasing",
    "huitong.orders",
    "huitong.checkout",
    "huitong.flashsale",
    "huitong.fulfillment",
    "huitong.aftersales",
    "huitong.integrations",
    "huitong.storefront",
    "huitong.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "huitong.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "huitong.config.urls"
WSGI_APPLICATION = "huitong.config.wsgi.application"
ASGI_APPLICATION = "huitong.config.asgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/admin/login/"
LOGIN_REDIRECT_URL = "/admin/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("HUITONG_DB_CONN_MAX_AGE", 60))}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("HUITONG_SQLITE_PATH", str(DATA_DIR / "huitong.sqlite3")),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN: concurrent writers queue instead of
                # failing with "database is locked" on lock upgrade.
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
            "TEST": {"NAME": os.environ.get("HUITONG_SQLITE_TEST_PATH") or None},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

# --- Cache, broker, tasks ----------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": os.environ.get("HUITONG_CACHE_PREFIX", "huitong")}}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = env_bool("HUITONG_TASKS_EAGER", False)
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "huitong"}}
    CELERY_BROKER_URL = "memory://"
    # No broker: tasks run in-process, and periodic jobs run on the in-process scheduler.
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = os.environ.get("HUITONG_TIME_ZONE", "Asia/Shanghai")

# Periodic jobs: one list, run by Celery beat when a broker is configured and by the in-process
# scheduler (huitong.core.scheduler) in the embedded default. (dotted task path, seconds)
HUITONG_PERIODIC_JOBS = [
    ("huitong.core.tasks.deliver_outbox_task", env_int("HUITONG_OUTBOX_INTERVAL_SECONDS", 5)),
    ("huitong.orders.tasks.expire_unpaid_orders_task", env_int("HUITONG_EXPIRE_INTERVAL_SECONDS", 60)),
    ("huitong.integrations.tasks.pull_all_stores_task", env_int("HUITONG_PULL_INTERVAL_SECONDS", 120)),
    ("huitong.orders.tasks.review_due_orders_task", env_int("HUITONG_REVIEW_INTERVAL_SECONDS", 60)),
    ("huitong.fulfillment.tasks.complete_delivered_orders_task", env_int("HUITONG_AUTO_COMPLETE_INTERVAL_SECONDS", 3600)),
    ("huitong.members.tasks.recompute_tiers_task", env_int("HUITONG_TIERS_INTERVAL_SECONDS", 86400)),
    ("huitong.members.tasks.recompute_rfm_task", env_int("HUITONG_RFM_INTERVAL_SECONDS", 86400)),
    ("huitong.loyalty.tasks.expire_points_task", env_int("HUITONG_POINTS_EXPIRY_INTERVAL_SECONDS", 3600)),
    ("huitong.marketing.tasks.expire_coupons_task", env_int("HUITONG_COUPON_EXPIRY_INTERVAL_SECONDS", 3600)),
    ("huitong.flashsale.tasks.flash_sale_sweep_task", env_int("HUITONG_FLASH_SALE_SWEEP_SECONDS", 30)),
]
HUITONG_AUTO_COMPLETE_DAYS = env_int("HUITONG_AUTO_COMPLETE_DAYS", 7)
HUITONG_TRACKING_WEBHOOK_SECRET = os.environ.get("HUITONG_TRACKING_WEBHOOK_SECRET", "").strip() or None
HUITONG_DEFECTIVE_LOCATION_CODE = os.environ.get("HUITONG_DEFECTIVE_LOCATION_CODE", "DEFECTIVE")
CELERY_BEAT_SCHEDULE = {
    path.rsplit(".", 1)[1]: {"task": path, "schedule": float(seconds)} for path, seconds in HUITONG_PERIODIC_JOBS
}

# --- Business settings -------------------------------------------------------------------------
HUITONG_UNPAID_ORDER_TIMEOUT_MINUTES = env_int("HUITONG_UNPAID_ORDER_TIMEOUT_MINUTES", 30)
HUITONG_TOKEN_TTL_HOURS = env_int("HUITONG_TOKEN_TTL_HOURS", 24 * 7)
HUITONG_OUTBOX_MAX_ATTEMPTS = env_int("HUITONG_OUTBOX_MAX_ATTEMPTS", 12)
# Platforms index changed orders with a delay: an incremental pull stops this many seconds before now.
HUITONG_PULL_LAG_SECONDS = env_int("HUITONG_PULL_LAG_SECONDS", 120)

# --- I18N ---------------------------------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("HUITONG_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("HUITONG_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("HUITONG_STATIC_ROOT", DATA_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("HUITONG_HTTPS", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HUITONG_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

UNFOLD = {
    "SITE_TITLE": _("汇通 Huitong"),
    "SITE_HEADER": _("汇通全渠道中台"),
    "SITE_SYMBOL": "hub",
    "SHOW_LANGUAGES": True,
    "COLORS": {
        "primary": {
            "50": "240 253 244", "100": "220 252 231", "200": "187 247 208", "300": "134 239 172",
            "400": "74 222 128", "500": "34 197 94", "600": "22 163 74", "700": "21 128 61",
            "800": "22 101 52", "900": "20 83 45", "950": "5 46 22",
        },
    },
}
