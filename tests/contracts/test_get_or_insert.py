"""get_or_insert: one row per natural key, without a savepoint, whoever inserts first."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import Pacticipant, Version
from contracts.services.transactions import get_or_insert, insert_unless_conflict

pytestmark = pytest.mark.django_db


def test_a_new_row_is_inserted_once_with_what_its_fields_fill_in():
    with CaptureQueriesContext(connection) as captured:
        created, was_created = get_or_insert(Pacticipant, name="pricing-service")
    again, created_again = get_or_insert(Pacticipant, name="pricing-service")

    assert (was_created, created_again) == (True, False)
    assert again.pk == created.pk and Pacticipant.objects.count() == 1
    # The display name comes from the field's pre_save, the timestamps from auto_now_add.
    assert Pacticipant.objects.get().display_name == "Pricing Service" == created.display_name
    assert created.created_at is not None
    assert not any("SAVEPOINT" in query["sql"] for query in captured.captured_queries)
    assert any("ON CONFLICT DO NOTHING" in query["sql"] for query in captured.captured_queries)


def test_an_insert_that_conflicts_changes_nothing_and_leaves_the_transaction_usable():
    owner = Pacticipant.objects.create(name="Owner")
    Version.objects.create(pacticipant=owner, number="1.0", build_url="first")

    assert insert_unless_conflict(Version(pacticipant=owner, number="1.0", build_url="second")) is False
    assert Version.objects.get().build_url == "first"  # the transaction still answers
    assert insert_unless_conflict(Version(pacticipant=owner, number="1.1")) is True
    assert Version.objects.count() == 2


def test_a_model_with_its_own_save_is_refused(monkeypatch):
    def save(self, *args, **kwargs):  # pragma: no cover - must never run
        raise AssertionError

    monkeypatch.setattr(Version, "save", save)
    owner = Pacticipant.objects.create(name="Owner")

    with pytest.raises(TypeError, match="overrides save"):
        insert_unless_conflict(Version(pacticipant=owner, number="1.0"))
    assert not Version.objects.exists()
