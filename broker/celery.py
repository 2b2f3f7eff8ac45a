"""The Celery application: Redis broker, Django settings, tasks discovered in the apps."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "broker.settings")
# pact_ffi, which workers use to replay contracts, reports usage to a public endpoint
# unless this is set. A broker should not phone home on its users' behalf.
os.environ.setdefault("PACT_DO_NOT_TRACK", "true")

app = Celery("accord")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
