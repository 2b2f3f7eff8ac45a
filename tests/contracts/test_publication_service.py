"""Publishing contracts: dedup, immutability, merge, events, and nothing stored on bad input."""

from __future__ import annotations

import json

import pytest

from contracts.exceptions import Conflict, InvalidInput
from contracts.models import Contract, ContractPublication, Integration, Pacticipant, Version
from contracts.services.publication import contracts_publish, pact_publish, prepare_contract
from tests.builders import interaction, pact_document, pact_json

pytestmark = pytest.mark.django_db


def publish(consumer="Web", version="1.0", provider="API", **kwargs):
    content = kwargs.pop("content", None) or pact_json(consumer, provider, variant=kwargs.pop("variant", ""))
    on_conflict = kwargs.pop("on_conflict", "overwrite")
    prepared = prepare_contract(content, consumer_name=consumer, provider_name=provider, on_conflict=on_conflict)
    return contracts_publish(pacticipant_name=consumer, version_number=version, contracts=[prepared], **kwargs)


def test_first_publish_creates_everything_once():
    result = publish(branch="main", tags=["dev", "feat-x"], build_url="https://ci.example/1")

    version = Version.objects.get(pacticipant__name="Web", number="1.0")
    assert version.build_url == "https://ci.example/1"
    assert sorted(version.tags.values_list("name", flat=True)) == ["dev", "feat-x"]
    assert list(version.branch_versions.values_list("branch_name", flat=True)) == ["main"]
    assert Pacticipant.objects.get(name="Web").main_branch == "main"
    assert result.contracts[0].outcome == "created"
    assert result.contracts[0].events == [
        ("contract_published", None),
        (
            "contract_content_changed",
            "first time any pact published for this consumer with consumer version tagged dev, "
            "first time any pact published for this consumer with consumer version tagged feat-x",
        ),
    ]
    assert Integration.objects.filter(consumer__name="Web", provider__name="API").count() == 1


def test_same_content_again_is_a_no_op():
    publish()
    again = publish()

    assert again.contracts[0].outcome == "unchanged"
    assert again.contracts[0].events == [
        ("contract_published", None),
        ("contract_content_unchanged", "pact content was unchanged"),
    ]
    assert Contract.objects.count() == 1
    assert ContractPublication.objects.count() == 1


def test_same_content_from_another_version_shares_the_content_row():
    publish(version="1.0")
    second = publish(version="1.1")

    assert Contract.objects.count() == 1
    assert ContractPublication.objects.count() == 2
    assert second.contracts[0].events == [
        ("contract_published", "pact content is the same as the previous untagged version")
    ]


def test_reordered_keys_and_interactions_are_the_same_content():
    items = [interaction("a", path="/a"), interaction("b", path="/b")]
    publish(content=json.dumps(pact_document("Web", "API", interactions=items)))
    reordered = pact_document("Web", "API", interactions=list(reversed(items)))
    text = json.dumps({key: reordered[key] for key in reversed(list(reordered))}, indent=2)

    assert publish(version="1.1", content=text).contracts[0].publication.contract == Contract.objects.get()


def test_changed_content_for_a_published_version_is_a_conflict_and_keeps_the_original():
    publish(variant="one")
    original = Contract.objects.get()

    with pytest.raises(Conflict, match="Cannot change the content of the pact for Web version 1.0 and provider API"):
        publish(variant="two")

    assert list(Contract.objects.all()) == [original]
    assert ContractPublication.objects.get().contract == original


def test_merge_adds_interactions_as_a_new_revision():
    publish(content=pact_json("Web", "API", interactions=[interaction("a", path="/a")]))
    merged = publish(content=pact_json("Web", "API", interactions=[interaction("b", path="/b")]), on_conflict="merge")

    assert merged.contracts[0].outcome == "merged"
    current = ContractPublication.objects.get(is_current=True)
    assert current.revision == 2
    descriptions = sorted(i["description"] for i in json.loads(current.contract.document)["interactions"])
    assert descriptions == ["a", "b"]


def test_merge_refuses_a_changed_interaction():
    publish(content=pact_json("Web", "API", interactions=[interaction("a", status=200)]))
    with pytest.raises(Conflict, match="Merge failed"):
        publish(content=pact_json("Web", "API", interactions=[interaction("a", status=500)]), on_conflict="merge")
    assert ContractPublication.objects.get().revision == 1


def test_content_changed_fires_per_tag_against_the_previous_pact_with_that_tag():
    publish(version="1.0", tags=["main"], variant="one")
    unchanged_for_tag = publish(version="1.1", tags=["main"], variant="one")
    changed_for_tag = publish(version="1.2", tags=["main"], variant="two")
    first_for_new_tag = publish(version="1.3", tags=["feat"], variant="two")

    assert unchanged_for_tag.contracts[0].events == [
        (
            "contract_published",
            "pact content is the same as previous version with tag main and no new tags were applied",
        )
    ]
    assert changed_for_tag.contracts[0].events == [
        ("contract_published", None),
        ("contract_content_changed", "pact content has changed since the last consumer version tagged with main"),
    ]
    assert first_for_new_tag.contracts[0].events == [
        ("contract_published", None),
        (
            "contract_content_changed",
            "first time any pact published for this consumer with consumer version tagged feat",
        ),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ('{"consumer": {"name": "Web"}, "provider": {"name": "API"}, "interactions": [], "x": NaN}', "NaN"),
        ("[" * 5000 + "]" * 5000, "is not valid JSON"),
        (
            json.dumps({"consumer": {"name": "Web"}, "provider": {"name": "API"}, "interactions": [{"request": {}}]}),
            "interactions[0]",
        ),
        (pact_json("Someone", "API"), "Someone"),
    ],
)
def test_invalid_contracts_are_refused_with_a_message_and_store_nothing(content, message):
    with pytest.raises(InvalidInput) as raised:
        publish(content=content)
    assert message in json.dumps(raised.value.errors)
    assert Pacticipant.objects.count() == 0
    assert Version.objects.count() == 0


def test_legacy_put_uses_the_same_rules():
    first = pact_publish(consumer_name="Web", provider_name="API", version_number="2.0", raw=pact_json("Web", "API"))
    again = pact_publish(consumer_name="Web", provider_name="API", version_number="2.0", raw=pact_json("Web", "API"))

    assert (first.outcome, again.outcome) == ("created", "unchanged")
    with pytest.raises(Conflict):
        pact_publish(
            consumer_name="Web",
            provider_name="API",
            version_number="2.0",
            raw=pact_json("Web", "API", variant="changed"),
        )
