"""Recording triggered webhooks (the delivery outbox) and filling their templates."""

from __future__ import annotations

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from contracts.models import ContractPublication, Label, Pacticipant, Verification, Version
from webhooks.models import TriggeredWebhook, Webhook
from webhooks.rendering import render_json, render_template
from webhooks.selectors import template_context
from webhooks.services.definitions import WebhookDefinition, webhook_create
from webhooks.services.outbox import webhooks_trigger

EVENT = "contract_published"
CONTEXT = {"consumerName": "Foo", "providerName": "Bar", "eventName": EVENT}
BASE = "https://broker.example.com"


@pytest.fixture
def cast(db) -> dict[str, Pacticipant]:
    """Consumer Foo (label team-a), provider Bar (label payments), and bystander Baz."""
    names = {name: Pacticipant.objects.create(name=name) for name in ("Foo", "Bar", "Baz")}
    Label.objects.create(pacticipant=names["Foo"], name="team-a")
    Label.objects.create(pacticipant=names["Bar"], name="payments")
    Label.objects.create(pacticipant=names["Baz"], name="other")
    return names


def hook(description: str, *, events: tuple[str, ...] = (EVENT,), enabled: bool = True, **scope: dict) -> Webhook:
    """A webhook made through the service, scoped by `consumer={"name"|"label": ...}` etc."""
    scoped: dict = {}
    for role, given in scope.items():
        if "name" in given:
            scoped[role] = Pacticipant.objects.get(name=given["name"])
        else:
            scoped[f"{role}_label"] = given["label"]
    return webhook_create(
        definition=WebhookDefinition(
            description=description,
            enabled=enabled,
            events=events,
            method="POST",
            url="https://ci.example.com/hook",
            **scoped,
        )
    )


def trigger(cast, event_name: str = EVENT) -> list[TriggeredWebhook]:
    return webhooks_trigger(event_name=event_name, consumer=cast["Foo"], provider=cast["Bar"], context=CONTEXT)


def triggered_descriptions() -> set[str]:
    return set(TriggeredWebhook.objects.values_list("webhook__description", flat=True))


def test_matches_any_equal_and_labelled_scopes_and_nothing_else(cast):
    matching = {
        hook("global"),
        hook("consumer Foo", consumer={"name": "Foo"}),
        hook("provider Bar", provider={"name": "Bar"}),
        hook("the pair", consumer={"name": "Foo"}, provider={"name": "Bar"}),
        hook("consumer label", consumer={"label": "team-a"}),
        hook("provider label", provider={"label": "payments"}),
        hook("both labels", consumer={"label": "team-a"}, provider={"label": "payments"}),
        hook("name and label", consumer={"name": "Foo"}, provider={"label": "payments"}),
    }
    hook("other consumer", consumer={"name": "Baz"})
    hook("other provider", provider={"name": "Baz"})
    hook("reversed pair", consumer={"name": "Bar"}, provider={"name": "Foo"})
    hook("other label", consumer={"label": "other"})
    hook("label of the wrong side", provider={"label": "team-a"})
    hook("half matching", consumer={"label": "team-a"}, provider={"name": "Baz"})

    rows = trigger(cast)

    assert {row.webhook.description for row in rows} == {webhook.description for webhook in matching}
    assert triggered_descriptions() == {webhook.description for webhook in matching}


def test_a_triggered_webhook_is_due_now_and_carries_the_event_and_its_context(cast):
    webhook = hook("global")
    before = timezone.now()

    (row,) = trigger(cast)

    stored = TriggeredWebhook.objects.get(pk=row.pk)
    assert stored.webhook == webhook and stored.webhook_uuid == webhook.uuid
    assert (stored.event_name, stored.status, stored.trigger_type) == (EVENT, "not_run", "resource_creation")
    assert (stored.consumer, stored.provider) == (cast["Foo"], cast["Bar"])
    assert stored.context == CONTEXT
    assert stored.attempts_made == 0
    assert before <= stored.next_attempt_at <= timezone.now()


def test_disabled_webhooks_and_other_events_are_skipped(cast):
    hook("disabled", enabled=False)
    hook("verification only", events=("provider_verification_published", "provider_verification_failed"))
    hook("several events", events=("contract_content_changed", EVENT))

    assert [row.webhook.description for row in trigger(cast)] == ["several events"]
    assert [row.webhook.description for row in trigger(cast, "provider_verification_failed")] == ["verification only"]


def test_no_matching_webhook_records_nothing(cast):
    hook("other consumer", consumer={"name": "Baz"})

    assert trigger(cast) == []
    assert not TriggeredWebhook.objects.exists()


def test_one_query_finds_the_webhooks_and_one_inserts_the_deliveries(cast, django_assert_num_queries):
    for number in range(5):
        hook(f"hook {number}", consumer={"label": "team-a"})
    hook("global")

    with django_assert_num_queries(2):
        rows = trigger(cast)

    assert len(rows) == 6 and all(row.pk for row in rows)


def test_deliveries_roll_back_with_the_callers_transaction(cast):
    hook("global")

    with pytest.raises(RuntimeError, match="event failed"), transaction.atomic():
        Version.objects.create(pacticipant=cast["Foo"], number="1.0.0")
        trigger(cast)
        assert TriggeredWebhook.objects.count() == 1
        raise RuntimeError("event failed")

    assert not TriggeredWebhook.objects.exists()
    assert not Version.objects.filter(number="1.0.0").exists()


def _other_connection() -> psycopg.Connection:
    db = settings.DATABASES["default"]
    params = {
        "host": db["HOST"],
        "port": db["PORT"],
        "user": db["USER"],
        "password": db["PASSWORD"],
        "dbname": connection.settings_dict["NAME"],
    }
    return psycopg.connect(**{key: value for key, value in params.items() if value}, autocommit=True)


def _count_elsewhere(other: psycopg.Connection) -> int:
    return other.execute(f"SELECT count(*) FROM {TriggeredWebhook._meta.db_table}").fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_deliveries_commit_together_with_the_event():
    foo, bar = Pacticipant.objects.create(name="Foo"), Pacticipant.objects.create(name="Bar")
    hook("global")

    with _other_connection() as other:
        with transaction.atomic():
            Version.objects.create(pacticipant=foo, number="1.0.0")
            webhooks_trigger(event_name=EVENT, consumer=foo, provider=bar, context=CONTEXT)
            # A worker polling from another connection cannot see (or deliver) it yet.
            assert _count_elsewhere(other) == 0
        assert _count_elsewhere(other) == 1


@pytest.mark.django_db(transaction=True)
def test_triggering_outside_a_transaction_is_refused():
    foo, bar = Pacticipant.objects.create(name="Foo"), Pacticipant.objects.create(name="Bar")
    hook("global")

    with pytest.raises(RuntimeError, match="inside the transaction"):
        webhooks_trigger(event_name=EVENT, consumer=foo, provider=bar, context=CONTEXT)

    assert not TriggeredWebhook.objects.exists()


# ---------------------------------------------------------------- templates


def test_render_template_fills_known_parameters_and_leaves_unknown_ones():
    context = {"consumerName": "Foo App", "pactUrl": "https://b.example/pacts?x=1&y=2"}
    text = "${pactbroker.consumerName} at ${pactbroker.pactUrl} (${pactbroker.nope})"

    assert render_template(text, context) == "Foo App at https://b.example/pacts?x=1&y=2 (${pactbroker.nope})"
    assert render_template(
        "https://ci.example/build?c=${pactbroker.consumerName}&u=${pactbroker.pactUrl}", context, url=True
    ) == ("https://ci.example/build?c=Foo+App&u=https%3A%2F%2Fb.example%2Fpacts%3Fx%3D1%26y%3D2")


def test_render_json_fills_strings_at_any_depth_and_keeps_other_values():
    body = {
        "pact": "${pactbroker.pactUrl}",
        "list": ["${pactbroker.eventName}", 1, None, True],
        "${pactbroker.consumerName}": {"n": 2.5},
    }

    assert render_json(body, {"pactUrl": "u", "eventName": "e", "consumerName": "Foo"}) == {
        "pact": "u",
        "list": ["e", 1, None, True],
        "Foo": {"n": 2.5},
    }


@pytest.fixture
def published(td) -> ContractPublication:
    """Foo 1.0 (branch main, tags dev and rc, label team-a) published a pact with Pricing Service."""
    td.publish("Foo", "1.0", provider="Pricing Service", branch="main", tags=["dev", "rc"])
    Label.objects.create(pacticipant=Pacticipant.objects.get(name="Foo"), name="team-a")
    Version.objects.filter(number="1.0").update(build_url="https://ci.example.com/builds/1")
    return ContractPublication.objects.select_related("consumer_version", "contract").get(
        consumer_version__number="1.0"
    )


def test_context_for_a_contract_event_without_verifications(published):
    context = template_context(event_name=EVENT, base_url=BASE + "/", publication=published)

    pact_url = f"{BASE}/pacts/provider/Pricing%20Service/consumer/Foo/pact-version/{published.contract.sha}"
    assert context == {
        "pactUrl": pact_url,
        "verificationResultUrl": "",
        "consumerName": "Foo",
        "providerName": "Pricing Service",
        "consumerVersionNumber": "1.0",
        "providerVersionNumber": "",
        "consumerVersionTags": "dev, rc",
        "providerVersionTags": "",
        "consumerVersionBranch": "main",
        "providerVersionBranch": "",
        "providerVersionDescriptions": "",
        "consumerLabels": "team-a",
        "providerLabels": "",
        "buildUrl": "https://ci.example.com/builds/1",
        "eventName": EVENT,
        "githubVerificationStatus": "pending",
        "bitbucketVerificationStatus": "INPROGRESS",
        "gitlabVerificationStatus": "pending",
        "azureDevOpsVerificationStatus": "pending",
    }


def test_context_for_a_verification_event(td, published):
    td.verify("2.0", success=False, branch="main")
    verification = Verification.objects.get()
    Verification.objects.filter(pk=verification.pk).update(build_url="https://ci.example.com/provider/7")
    verification.refresh_from_db()

    context = template_context(event_name="provider_verification_failed", base_url=BASE, verification=verification)

    pact_url = f"{BASE}/pacts/provider/Pricing%20Service/consumer/Foo/pact-version/{published.contract.sha}"
    assert context["verificationResultUrl"] == f"{pact_url}/verification-results/{verification.id}"
    assert (context["consumerVersionNumber"], context["providerVersionNumber"]) == ("1.0", "2.0")
    assert context["providerVersionBranch"] == "main"
    assert context["buildUrl"] == "https://ci.example.com/provider/7"
    assert (
        context["githubVerificationStatus"],
        context["bitbucketVerificationStatus"],
        context["gitlabVerificationStatus"],
        context["azureDevOpsVerificationStatus"],
    ) == ("failure", "FAILED", "failed", "failed")


def test_a_contract_event_reports_the_known_status_from_the_providers_main_branch(td, published):
    td.verify("2.0", success=True, branch="main").verify("3.0", success=False, branch="feat-x")

    context = template_context(event_name=EVENT, base_url=BASE, publication=published)

    assert context["providerVersionNumber"] == "2.0"
    assert context["githubVerificationStatus"] == "success"


def test_a_contract_requiring_verification_names_the_provider_version_to_verify(td, published):
    td.verify("2.0", success=True, branch="main")
    provider_version = td.version("Pricing Service", "4.0")

    context = template_context(
        event_name="contract_requiring_verification_published",
        base_url=BASE,
        publication=published,
        provider_version=provider_version,
        provider_version_descriptions="deployed in prod",
    )

    assert context["providerVersionNumber"] == "4.0"
    assert context["providerVersionDescriptions"] == "deployed in prod"
    assert (context["verificationResultUrl"], context["githubVerificationStatus"]) == ("", "pending")


def test_a_webhook_whose_events_are_not_a_list_is_not_listening(db):
    """events is validated as a list; a row holding anything else (written around the API)
    must not break the query every publish runs."""
    import uuid

    from webhooks.models import Webhook
    from webhooks.selectors import events_listened_to

    for events in (["contract_published"], {"contract_published": True}, "contract_published", 7):
        Webhook.objects.create(uuid=str(uuid.uuid4()), events=events, method="POST", url="https://example.com/")

    assert events_listened_to(["contract_published", "provider_verification_published"]) == {"contract_published"}
