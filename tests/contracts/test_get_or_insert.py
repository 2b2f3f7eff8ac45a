"""get_or_insert: one row per natural key, without a savepoint, whoever inserts first."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEntry
from contracts.models import Pacticipant, Version
from contracts.services.transactions import get_or_insert, insert_row, insert_unless_conflict, rows_where
from verifier.models import VerificationTarget

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


def test_a_row_found_is_the_row_the_orm_finds_with_every_field_loaded():
    owner = Pacticipant.objects.create(name="Owner")
    stored = Version.objects.create(pacticipant=owner, number="2.0", build_url="https://ci/2")

    found, created = get_or_insert(Version, pacticipant=owner, number="2.0")
    by_id, _ = get_or_insert(Version, pacticipant_id=owner.pk, number="2.0")

    assert created is False
    for field in Version._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(stored, field.attname) == getattr(by_id, field.attname)
    assert found._state.adding is False and found._state.db == "default"
    found.build_url = "https://ci/2b"
    found.save(update_fields=["build_url"])  # a found row saves as an update, as the ORM's does
    assert Version.objects.get().build_url == "https://ci/2b"


def test_unique_key_lookups_are_prepared_and_other_lookups_go_through_the_orm(settings):
    settings.ACCORD_DB_PREPARED_READS = True
    owner = Pacticipant.objects.create(name="Owner")
    get_or_insert(Version, pacticipant=owner, number="3.0")
    get_or_insert(Version, pacticipant=owner, number="3.0")
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = " ".join(row[0] for row in cursor.fetchall())
    assert 'FROM "contracts_version" WHERE "pacticipant_id" = $1 AND "number" = $2' in prepared
    assert 'INSERT INTO "contracts_version"' in prepared and "ON CONFLICT DO NOTHING" in prepared

    # A null is IS NULL to the ORM, never `= NULL`; a key that is not unique keeps first().
    with CaptureQueriesContext(connection) as captured:
        found, created = get_or_insert(Version, pacticipant=owner, number="3.0", build_url=None)
    assert (found.number, created) == ("3.0", False)
    assert '"build_url" IS NULL' in captured.captured_queries[0]["sql"]
    Version.objects.create(pacticipant=owner, number="3.1")
    with CaptureQueriesContext(connection) as captured:
        first, created = get_or_insert(Version, pacticipant=owner)
    assert (first.number, created) == ("3.0", False)
    assert "ORDER BY" in captured.captured_queries[0]["sql"]


def test_a_found_row_carries_the_related_rows_of_its_lookup_without_a_query():
    owner = Pacticipant.objects.create(name="Owner")
    Version.objects.create(pacticipant=owner, number="4.0")

    found, _ = get_or_insert(Version, pacticipant=owner, number="4.0")
    with CaptureQueriesContext(connection) as captured:
        assert found.pacticipant is owner
    assert captured.captured_queries == []


def test_rows_where_converts_what_the_database_returns_as_the_orm_does():
    # An encrypted JSON field is text in the table: the ORM decrypts and parses it on load.
    provider = Pacticipant.objects.create(name="Provider")
    target = VerificationTarget.objects.create(
        provider=provider, name="ci", base_url="https://ci.example", headers={"Authorization": "Bearer s3cret"}
    )
    [found] = rows_where(VerificationTarget, "provider_id = %s AND enabled", [provider.pk])

    loaded = VerificationTarget.objects.get(pk=target.pk)
    for field in VerificationTarget._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(loaded, field.attname), field.name
    assert found.headers == {"Authorization": "Bearer s3cret"}
    assert rows_where(VerificationTarget, "provider_id = %s AND enabled", [provider.pk + 1000]) == []


def test_insert_row_inserts_what_save_would_and_sets_the_id():
    entry = AuditEntry(
        actor_kind=AuditEntry.ActorKind.SYSTEM,
        actor_name="system",
        action="pact.publish",
        target="A 1 → B",
        applications=["A"],
        ip="127.0.0.1",
        via=AuditEntry.Via.SYSTEM,
        details={"nested": {"tags": ["x"]}},
    )
    insert_row(entry)

    stored = AuditEntry.objects.get()
    assert entry.pk == stored.pk and entry._state.adding is False
    assert (stored.applications, stored.ip, stored.details) == (["A"], "127.0.0.1", {"nested": {"tags": ["x"]}})
    assert stored.at == entry.at and stored.token_name == ""  # defaults filled in as save() does
