"""`field__any=[...]` (contracts/models/lookups.py): one array parameter, the same rows as `__in`."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts.models import ContractPublication, Pacticipant, Version

pytestmark = pytest.mark.django_db


def test_any_matches_the_listed_ids_on_a_field_and_on_a_foreign_key():
    owner = Pacticipant.objects.create(name="Owner")
    versions = [Version.objects.create(pacticipant=owner, number=str(n)) for n in range(5)]
    wanted = [versions[1].id, versions[3].id, 10**12]

    assert set(Version.objects.filter(id__any=wanted)) == {versions[1], versions[3]}
    assert Version.objects.filter(pacticipant_id__any=[owner.id]).count() == 5
    assert not Version.objects.filter(id__any=[]).exists()
    assert list(ContractPublication.objects.filter(consumer_version_id__any=wanted)) == []


def test_any_sends_the_list_as_one_parameter():
    with CaptureQueriesContext(connection) as captured:
        list(Version.objects.filter(id__any=list(range(1, 400))))
    sql = captured.captured_queries[0]["sql"]
    assert "= ANY(" in sql and sql.count(",") < 400 + 20 and "IN (" not in sql
