"""The ASGI entry point (granian or uvicorn config.asgi): production settings unless
DJANGO_SETTINGS_MODULE says otherwise. manage.py defaults to development instead."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_asgi_application()
