"""Production settings: everything secure by default; the rest still comes from the environment."""

import os

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
# The master key for ID-number encryption must come from the environment in production.
FUPIN_DATA_KEY = os.environ["FUPIN_DATA_KEY"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names and pre-compressed copies; vendored source-map comments left alone.
    "staticfiles": {"BACKEND": "fupin.core.staticfiles.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
FUPIN_API_DOCS_LOGIN_REQUIRED = env_bool("FUPIN_API_DOCS_LOGIN_REQUIRED", True)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
