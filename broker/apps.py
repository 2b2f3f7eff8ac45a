"""Installed only with read replicas configured (DATABASE_REPLICA_URL; broker/replicas.py)."""

from __future__ import annotations

from django.apps import AppConfig


class ReplicasConfig(AppConfig):
    name = "broker"
    label = "accord_replicas"
    verbose_name = "Read replicas"

    def ready(self) -> None:
        from broker import replicas
        from contracts import access

        # In every process that writes (web, workers, beat, commands): each committed write
        # records the primary's WAL position for the read-only requests' causal gate.
        access.register(replicas.write_recorded)
