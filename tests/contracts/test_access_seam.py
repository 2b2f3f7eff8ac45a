"""contracts.access: the one call every write makes, and who it is made for."""

from __future__ import annotations

import pytest
from django.db import transaction

from contracts import access
from contracts.models import Pacticipant


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list:
    """Handlers registered for this test only (the apps' own stay out of it)."""
    calls: list = []
    monkeypatch.setattr(access, "_handlers", [lambda actor, write: calls.append((actor, write))])
    return calls


def test_a_write_reaches_every_handler_with_the_actor(db, seen) -> None:
    actor = access.Actor(kind="token", name="ci-pipeline", token="deploy", ip="10.0.0.9", request_id="r-1")
    with access.acting_as(actor), transaction.atomic():
        access.write("version.tag", "Web 1.0 tag prod", applications=["Web", "Web"], details={"tag": "prod"})
    assert len(seen) == 1
    who, write = seen[0]
    assert who == actor
    assert write.action == "version.tag" and write.applications == ("Web",) and write.details == {"tag": "prod"}
    assert access.current() is None  # the actor ends with its block


def test_a_write_outside_its_transaction_is_a_programming_error(transactional_db, seen) -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        access.write("pacticipant.update", "Web")
    assert seen == []


def test_a_refusal_rolls_the_write_back(db, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(actor, write) -> None:
        raise access.Forbidden(f"{actor.name} may not {write.action}")

    monkeypatch.setattr(access, "_handlers", [refuse])
    with pytest.raises(access.Forbidden, match="viewer may not pacticipant.create"):
        with access.acting_as(access.Actor(kind="user", name="viewer")), transaction.atomic():
            Pacticipant.objects.create(name="Web")
            access.write("pacticipant.create", "Web", applications=["Web"])
    assert not Pacticipant.objects.filter(name="Web").exists()
    assert access.Forbidden.status == 403


def test_without_an_actor_the_write_is_the_systems_own(db, seen) -> None:
    with transaction.atomic():
        access.write("live_run.request", "Orders in production", applications=["Orders"], environment="production")
    assert seen[0][0] is None and seen[0][1].environment == "production"
