"""Accord's Django project. Exposes the Celery app so `celery -A broker` finds it."""

from broker.celery import app as celery_app

__all__ = ("celery_app",)
