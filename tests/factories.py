"""factory_boy factories for single rows (scenarios use tests/builders.py)."""

from __future__ import annotations

import factory

from contracts.models import Environment, Pacticipant, Version


class PacticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pacticipant
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Pacticipant{n}")


class VersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Version

    pacticipant = factory.SubFactory(PacticipantFactory)
    number = factory.Sequence(lambda n: f"1.0.{n}")


class EnvironmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Environment
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"env{n}")
    production = False
