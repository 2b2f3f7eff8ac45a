"""Pacticipants (applications taking part in pacts) and their labels."""

from __future__ import annotations

import re

from django.db import models

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|[-_.\s]+")


def display_name_for(name: str) -> str:
    """'pricing-service' / 'PricingService' -> 'Pricing Service' (the Pact Broker's rule)."""
    words = [word for word in _WORD_BOUNDARY.split(name) if word]
    return " ".join(word[:1].upper() + word[1:] for word in words) or name


class DisplayNameField(models.CharField):
    """A pacticipant's display name; left empty, it is derived from the name (display_name_for)
    whenever the row is written. In pre_save, where Django fills auto_now values, so every
    way of writing the row applies it: save(), create(), and the insert of get_or_insert."""

    def pre_save(self, model_instance: models.Model, add: bool) -> str | None:
        value = getattr(model_instance, self.attname)
        if not value:
            value = display_name_for(model_instance.name)  # type: ignore[attr-defined]
            setattr(model_instance, self.attname, value)
        return value


class Pacticipant(models.Model):
    """An application that is a consumer and/or a provider. Names are case-sensitive."""

    name = models.CharField(max_length=255, unique=True)
    display_name = DisplayNameField(max_length=255, null=True, blank=True)
    main_branch = models.CharField(max_length=255, null=True, blank=True)
    repository_url = models.CharField(max_length=2048, null=True, blank=True)
    repository_name = models.CharField(max_length=255, null=True, blank=True)
    repository_namespace = models.CharField(max_length=255, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(name__regex=r"\S"), name="pacticipant_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name


class Label(models.Model):
    """A free-form label on a pacticipant; webhooks can match pacticipants by label."""

    pacticipant = models.ForeignKey(Pacticipant, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pacticipant", "name"], name="label_unique_per_pacticipant"),
            models.CheckConstraint(condition=models.Q(name__regex=r"\S"), name="label_name_not_blank"),
        ]
        indexes = [models.Index(fields=["name"], name="label_name_idx")]

    def __str__(self) -> str:
        return self.name
