"""The web UI's own rows: failed sign-ins, counted per window to throttle guessing."""

from __future__ import annotations

from django.db import models


class SignInFailures(models.Model):
    """Failed sign-ins under one key ("user:<name>|<address>" or "address:<address>") since
    `window_start`; at the limit the key is locked until `locked_until`. The table is shared
    by every web worker, so the limit holds however many there are."""

    key = models.CharField(max_length=300, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["window_start"], name="signin_failures_window_idx")]

    def __str__(self) -> str:
        return f"{self.key}: {self.failures}"
