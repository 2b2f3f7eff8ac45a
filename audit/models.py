"""One row per write: who made it (a user, a token, or the system itself), what it changed,
when, from where, and through which door (the API, the web UI, or Accord's own commands)."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    class ActorKind(models.TextChoices):
        USER = "user"  # a basic-auth user, by header or signed-in session
        TOKEN = "token"  # a bearer token of a user or a system account
        ANONYMOUS = "anonymous"  # a broker with no users configured: anyone may write
        SYSTEM = "system"  # no request: a management command, example data

    class Via(models.TextChoices):
        API = "api"
        UI = "ui"
        SYSTEM = "system"

    at = models.DateTimeField(default=timezone.now)
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_name = models.TextField()
    token_name = models.TextField(blank=True, default="")
    # `<object>.<verb>`; the C collation lets the index serve prefix filters ("pact.").
    action = models.TextField(db_collation="C")
    target = models.TextField()
    applications = ArrayField(models.TextField(), default=list, blank=True)
    environment = models.TextField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=128, blank=True, default="")
    via = models.CharField(max_length=8, choices=Via.choices)
    # Never a secret nor a contract's body (services pass none; audit.services scrubs too).
    details = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        # Newest first, with id as the tie-breaker: the keyset of GET /audit and /ui/audit.
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at", "-id"], name="audit_newest_idx"),
            models.Index(fields=["actor_name", "-at", "-id"], name="audit_actor_idx"),
            models.Index(fields=["action", "-at", "-id"], name="audit_action_idx"),
            GinIndex(fields=["applications"], name="audit_applications_idx"),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.target}"
