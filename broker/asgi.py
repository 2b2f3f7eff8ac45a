"""ASGI entry point; raw paths come from the scope's raw_path (broker.middleware)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "broker.settings")

application = get_asgi_application()
