"""The one lease mechanism for worker-owned rows (verifier/leases.py), on a real table."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tests.conftest import wait_until
from verifier.leases import Lease, LeaseLost
from webhooks.models import TriggeredWebhook

lease = Lease(TriggeredWebhook, seconds=lambda: 60)


def row(**fields) -> TriggeredWebhook:
    return TriggeredWebhook.objects.create(webhook_uuid="lease-test-0000001", event_name="test", **fields)


def lapse(pk: int) -> None:
    TriggeredWebhook.objects.filter(pk=pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))


@pytest.mark.django_db
def test_one_claim_at_a_time_and_a_lapsed_lease_is_free_again():
    item = row()

    first = lease.claim(item.pk, attempts_made=1)
    assert first is not None
    assert lease.claim(item.pk) is None  # held
    stored = TriggeredWebhook.objects.get(pk=item.pk)
    assert (stored.claim, stored.attempts_made) == (first, 1)
    assert stored.lease_expires_at > timezone.now() + timedelta(seconds=55)

    lapse(item.pk)
    second = lease.claim(item.pk)
    assert second is not None and second != first


@pytest.mark.django_db
def test_a_claim_only_takes_rows_matching_its_condition():
    item = row(status="success")

    assert lease.claim(item.pk, where=Q(status__in=["not_run", "retrying"])) is None
    assert TriggeredWebhook.objects.get(pk=item.pk).claim is None


@pytest.mark.django_db
def test_a_replaced_worker_can_neither_renew_nor_write_nor_release():
    item = row()
    stale = lease.claim(item.pk)
    lapse(item.pk)
    current = lease.claim(item.pk)

    assert lease.renew(item.pk, stale) is False
    with pytest.raises(LeaseLost), transaction.atomic():
        lease.hold(item.pk, stale)
    assert lease.release(item.pk, stale, status="success") is False
    assert TriggeredWebhook.objects.get(pk=item.pk).status == "not_run"

    with transaction.atomic():
        lease.hold(item.pk, current)  # the current holder may write
    assert lease.release(item.pk, current, status="success") is True
    stored = TriggeredWebhook.objects.get(pk=item.pk)
    assert (stored.status, stored.claim, stored.lease_expires_at) == ("success", None, None)


@pytest.mark.django_db
def test_expired_lists_only_lapsed_leases():
    held, lapsed, free = row(), row(), row()
    lease.claim(held.pk)
    lease.claim(lapsed.pk)
    lapse(lapsed.pk)

    assert list(lease.expired().values_list("pk", flat=True)) == [lapsed.pk]
    assert free.pk not in set(lease.expired().values_list("pk", flat=True))


@pytest.mark.django_db
def test_hold_outside_a_transaction_is_a_programming_error():
    item = row()
    token = lease.claim(item.pk)
    connection = transaction.get_connection()
    in_block, connection.in_atomic_block = connection.in_atomic_block, False
    try:
        with pytest.raises(RuntimeError, match="inside the transaction"):
            lease.hold(item.pk, token)
    finally:
        connection.in_atomic_block = in_block


@pytest.mark.django_db(transaction=True)
def test_a_heartbeat_renews_the_lease_until_the_claim_is_taken_over():
    short = Lease(TriggeredWebhook, seconds=lambda: 1.5)  # renewed every 0.5 s
    item = row()
    token = short.claim(item.pk)
    first_expiry = TriggeredWebhook.objects.get(pk=item.pk).lease_expires_at

    with short.heartbeat(item.pk, token) as beat:
        wait_until(lambda: TriggeredWebhook.objects.get(pk=item.pk).lease_expires_at > first_expiry, 10, "a renewal")
        TriggeredWebhook.objects.filter(pk=item.pk).update(claim=None, lease_expires_at=None)  # taken over
        wait_until(beat.lost.is_set, 10, "the heartbeat to notice the lost claim")

    assert TriggeredWebhook.objects.get(pk=item.pk).claim is None
