"""Reads for webhooks: definitions by uuid or scope, the webhooks an event matches, and
the facts that fill `${pactbroker.*}` template parameters."""

from __future__ import annotations

from django.db.models import Q, QuerySet, Subquery

from contracts.exceptions import NotFound
from contracts.models import (
    ContractPublication,
    Label,
    Pacticipant,
    Verification,
    Version,
    Webhook,
)


def webhook_get(*, uuid: str) -> Webhook:
    """The webhook with this uuid, or NotFound."""
    webhook = Webhook.objects.select_related("consumer", "provider").filter(uuid=uuid).first()
    if webhook is None:
        raise NotFound(f"No webhook with uuid '{uuid}' found")
    return webhook


def webhooks_list(
    *, scoped: bool = False, consumer: Pacticipant | None = None, provider: Pacticipant | None = None
) -> QuerySet[Webhook]:
    """All webhooks, or (scoped) those whose consumer and provider are exactly the ones given."""
    webhooks = Webhook.objects.select_related("consumer", "provider").order_by("id")
    if scoped:
        webhooks = webhooks.filter(
            consumer=consumer, provider=provider, consumer_label__isnull=True, provider_label__isnull=True
        )
    return webhooks


def _scope_matches(field: str, pacticipant: Pacticipant) -> Q:
    labels = Label.objects.filter(pacticipant=pacticipant).values("name")
    return (
        Q(**{f"{field}__isnull": True, f"{field}_label__isnull": True})
        | Q(**{field: pacticipant})
        | Q(**{f"{field}_label__in": Subquery(labels)})
    )


def webhooks_matching(*, event_name: str, consumer: Pacticipant, provider: Pacticipant) -> QuerySet[Webhook]:
    """Enabled webhooks for the event whose consumer and provider scopes match: any (null),
    the pacticipant itself, or one of its labels. One query, label lookups as subqueries."""
    return (
        Webhook.objects.filter(enabled=True, events__contains=[event_name])
        .filter(_scope_matches("consumer", consumer))
        .filter(_scope_matches("provider", provider))
        .order_by("id")
    )


def version_tag_names(version: Version | None) -> list[str]:
    """A version's tag names, oldest first."""
    return list(version.tags.order_by("id").values_list("name", flat=True)) if version else []


def version_branch_name(version: Version | None) -> str | None:
    """The branch a version was most recently added to (a version can be on several)."""
    if version is None:
        return None
    return version.branch_versions.order_by("-id").values_list("branch_name", flat=True).first()


def pacticipant_label_names(pacticipant: Pacticipant | None) -> list[str]:
    """A pacticipant's labels, alphabetically."""
    return list(pacticipant.labels.order_by("name").values_list("name", flat=True)) if pacticipant else []


def contract_latest_verification(publication: ContractPublication) -> Verification | None:
    """The newest result for a publication's content, preferring the provider's main branch.

    This is how the Pact Broker fills the provider side of contract events, so a pact
    republished with unchanged content reports the status it already has.
    """
    results = Verification.objects.filter(contract_id=publication.contract_id).select_related("provider_version")
    main_branch = publication.provider.main_branch
    if main_branch:
        on_main = results.filter(provider_version__branch_versions__branch_name=main_branch).order_by("-id").first()
        if on_main is not None:
            return on_main
    return results.order_by("-id").first()


def verification_publication(
    verification: Verification, *, consumer_version: Version | None = None
) -> ContractPublication | None:
    """The publication a verification was for: of the given consumer version, else the newest."""
    publications = ContractPublication.objects.filter(contract_id=verification.contract_id, is_current=True)
    if consumer_version is not None:
        publications = publications.filter(consumer_version=consumer_version)
    return publications.select_related("consumer_version").order_by("-consumer_version_id").first()
