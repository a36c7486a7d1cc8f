"""The WSGI entry point of a deployment (gunicorn config.wsgi): production settings unless
DJANGO_SETTINGS_MODULE says otherwise. manage.py defaults to development instead."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
