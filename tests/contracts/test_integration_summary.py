"""The per-integration summary stays right through every write path that changes it."""

from __future__ import annotations

from contracts.models import Integration, Verification, VerificationStatus
from contracts.services import integrations, publication, verifications, versions
from tests.builders import TestData


def summary(consumer: str = "Web", provider: str = "Orders") -> Integration:
    return Integration.objects.get(consumer__name=consumer, provider__name=provider)


def test_publishing_sets_the_latest_pact_unverified(td: TestData) -> None:
    td.publish("Web", "1", provider="Orders")
    row = summary()
    assert row.latest_consumer_version_number == "1"
    assert row.latest_publication.consumer_version.number == "1"
    assert row.latest_publication_at is not None
    assert row.verification_status == VerificationStatus.UNVERIFIED
    assert row.latest_verification is None


def test_verifying_the_latest_pact(td: TestData) -> None:
    td.publish("Web", "1", provider="Orders").verify("10")
    row = summary()
    assert (row.verification_status, row.latest_provider_version_number) == ("verified", "10")
    assert row.latest_verification_success is True
    td.verify("11", success=False)
    row = summary()
    assert (row.verification_status, row.latest_provider_version_number) == ("failed", "11")


def test_a_failure_of_a_pending_pact_is_pending(td: TestData) -> None:
    td.publish("Web", "1", provider="Orders")
    verifications.verification_record(contract=td.contract, provider_version_number="10", success=False, pending=True)
    assert summary().verification_status == VerificationStatus.PENDING


def test_new_content_makes_the_last_verification_stale_and_same_content_does_not(td: TestData) -> None:
    td.publish("Web", "1", provider="Orders").verify("10")
    td.publish("Web", "2", provider="Orders")  # same content: the verification still counts
    row = summary()
    assert (row.verification_status, row.latest_consumer_version_number) == ("verified", "2")
    td.publish("Web", "3", provider="Orders", variant="changed")
    row = summary()
    assert (row.verification_status, row.latest_consumer_version_number) == ("stale", "3")
    assert row.latest_provider_version_number == "10"  # what was last verified, shown with it
    td.verify("11")
    assert summary().verification_status == VerificationStatus.VERIFIED


def test_deleting_the_latest_pact_falls_back_to_the_previous_one(td: TestData) -> None:
    td.publish("Web", "1", provider="Orders").verify("10")
    td.publish("Web", "2", provider="Orders", variant="changed")
    assert summary().verification_status == VerificationStatus.STALE
    publication.pact_delete(version=td.consumer_version, provider_id=summary().provider_id)
    row = summary()
    assert (row.verification_status, row.latest_consumer_version_number) == ("verified", "1")


def test_deleting_a_verification(td: TestData) -> None:
    td.publish("Web", "1", provider="Orders").verify("10").verify("11", success=False)
    verifications.verification_delete(verification=Verification.objects.get(provider_version__number="11"))
    row = summary()
    assert (row.verification_status, row.latest_provider_version_number) == ("verified", "10")
    verifications.verification_delete(verification=Verification.objects.get())
    row = summary()
    assert (row.verification_status, row.latest_verification_at) == ("unverified", None)


def test_deleting_versions_of_either_side(td: TestData) -> None:
    td.publish("Web", "1", provider="Orders").verify("10")
    td.publish("Web", "2", provider="Orders", variant="changed").verify("11", success=False)
    versions.version_delete(version=td.version("Orders", "11"))  # the provider's: its result goes
    row = summary()
    assert (row.verification_status, row.latest_provider_version_number) == ("stale", "10")
    versions.version_delete(version=td.version("Web", "2"))  # the consumer's: its pact goes
    row = summary()
    assert (row.verification_status, row.latest_consumer_version_number) == ("verified", "1")


def test_deleting_the_integration_removes_its_summary(td: TestData) -> None:
    td.publish("Web", "1", provider="Orders").verify("10")
    td.publish("Mobile", "1", provider="Orders")
    integrations.integration_delete(integration=summary())
    assert not Integration.objects.filter(consumer__name="Web").exists()
    assert summary("Mobile").verification_status == VerificationStatus.UNVERIFIED


def test_a_pair_s_summary_does_not_move_when_another_pair_changes(td: TestData) -> None:
    td.publish("Web", "1", provider="Orders").verify("10")
    before = summary()
    td.publish("Mobile", "1", provider="Orders").verify("12", success=False)
    after = summary()
    assert (after.latest_verification_id, after.verification_status) == (before.latest_verification_id, "verified")
