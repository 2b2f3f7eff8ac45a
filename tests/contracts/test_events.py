"""The domain events: who listens to each, and the rules of raising them."""

from __future__ import annotations

import pytest
from django.db import transaction

from contracts import events
from contracts.events import Notice
from drift.events import DriftDetected, DriftResolved, LiveTargetUnreachable
from drift.services import triggers
from verifier.events import VerificationRunFinished
from verifier.services.runs import verification_runs_for_publication
from webhooks import subscribers as webhooks


def _names(handlers) -> list[str]:
    return [f"{handler.__module__}.{handler.__qualname__}" for handler in handlers]


# Each event's subscribers, in the order they run. A new subscriber, or one that moved,
# changes this table on purpose: contracts/ raises the events and knows none of them.
SUBSCRIBERS = {
    events.ContractPublished: [webhooks.on_contract_published],
    events.ContractContentChanged: [webhooks.on_publication_event],
    events.ContractRequiringVerificationPublished: [
        verification_runs_for_publication,
        webhooks.on_contract_requiring_verification_published,
    ],
    events.VerificationPublished: [webhooks.on_verification_published],
    events.IntegrationDeleted: [webhooks.on_integration_deleted],
    events.DeploymentRecorded: [triggers.live_runs_for_deployment],
    events.DeploymentEnded: [],
    events.ReleaseRecorded: [triggers.live_runs_for_release],
    events.ReleaseSupportEnded: [],
    VerificationRunFinished: [webhooks.on_verification_run_finished],
    DriftDetected: [webhooks.on_drift_incident],
    DriftResolved: [webhooks.on_drift_incident],
    LiveTargetUnreachable: [webhooks.on_live_target_unreachable],
}


@pytest.mark.parametrize("event_type", list(SUBSCRIBERS), ids=lambda t: t.__name__)
def test_each_event_has_exactly_its_subscribers(event_type):
    assert _names(events.subscribers(event_type)) == _names(SUBSCRIBERS[event_type])


def test_every_event_type_is_pinned():
    defined = {
        cls
        for cls in _all_subclasses(events.Event)
        if "name" in vars(cls) and cls.__module__.split(".")[0] in ("contracts", "verifier", "webhooks", "drift")
    }
    assert defined == set(SUBSCRIBERS)


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


class _Probe(events.Event):
    name = "probe"


def test_an_event_outside_a_transaction_is_refused(db):
    # pytest-django wraps tests in a transaction; outside one is what a caller without it gets.
    with transaction.atomic():
        pass
    connection = transaction.get_connection()
    in_block = connection.in_atomic_block
    connection.in_atomic_block = False
    try:
        with pytest.raises(RuntimeError, match="must be raised inside the transaction"):
            events.emit(_Probe())
    finally:
        connection.in_atomic_block = in_block


def test_subscribers_run_in_order_and_their_notices_are_collected(db):
    seen = []
    events.subscribe(_Probe, lambda e: seen.append("first") or [Notice("debug", "one")])
    events.subscribe(_Probe, lambda e: seen.append("second"))
    try:
        with transaction.atomic():
            notices = events.emit(_Probe())
    finally:
        events._subscribers.pop(_Probe)

    assert seen == ["first", "second"]
    assert notices == [Notice("debug", "one")]


def test_a_failing_subscriber_rolls_the_fact_back(td):
    from contracts.models import Pacticipant

    def explode(event):
        raise RuntimeError("subscriber failed")

    published = td.publish("Web", "1.0", provider="API")
    events.subscribe(events.DeploymentRecorded, explode)
    try:
        with pytest.raises(RuntimeError, match="subscriber failed"):
            published.deploy("Web", "1.0", to="production")
    finally:
        events._subscribers[events.DeploymentRecorded].remove(explode)

    assert Pacticipant.objects.filter(name="Web").exists()
    assert not _deployed("Web")


def _deployed(name: str) -> bool:
    from contracts.models import DeployedVersion

    return DeployedVersion.objects.filter(pacticipant__name=name).exists()
