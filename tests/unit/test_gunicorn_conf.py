"""The web tier's gunicorn settings: the garbage collector tuned once the application is loaded."""

from __future__ import annotations

import gc

from broker import gunicorn_conf


def test_a_worker_freezes_what_the_application_made_and_collects_less_often():
    before = gc.get_threshold()
    try:
        gunicorn_conf.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 1000  # Django, the apps and the URL patterns
        assert gc.get_threshold() == (20000, 20, 20)
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
