"""Reads for webhooks: definitions, the webhooks an event matches, the values that fill
`${pactbroker.*}` templates, and what happened to triggered webhooks."""

from __future__ import annotations

import uuid as uuid_module
from typing import TYPE_CHECKING
from urllib.parse import quote

from django.db.models import Q, QuerySet, Subquery

from contracts.exceptions import NotFound
from contracts.models import (
    ContractPublication,
    Label,
    Pacticipant,
    Verification,
    Version,
)
from contracts.reading import read_rows
from webhooks.models import DRIFT_EVENT_NAMES, TriggeredWebhook, Webhook, WebhookExecution, WebhookSecret

if TYPE_CHECKING:
    from drift.models import DriftIncident, DriftTransition, LiveRun, LiveTarget


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


def webhooks_matching(*, event_name: str, consumer: Pacticipant | None, provider: Pacticipant) -> QuerySet[Webhook]:
    """Enabled webhooks for the event whose consumer and provider scopes match: any (null),
    the pacticipant itself, or one of its labels. One query, label lookups as subqueries.

    With no consumer (an event about a provider alone, such as a live target going down)
    only webhooks without a consumer scope match: one scoped to a consumer, by name or
    label, asked to hear about that consumer.
    """
    if consumer is None:
        consumer_scope = Q(consumer__isnull=True, consumer_label__isnull=True)
    else:
        consumer_scope = _scope_matches("consumer", consumer)
    return (
        Webhook.objects.filter(enabled=True, events__contains=[event_name])
        .filter(consumer_scope)
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


def _status_names(verification: Verification | None) -> dict[str, str]:
    if verification is None:
        names = ("pending", "INPROGRESS", "pending", "pending")
    elif verification.success:
        names = ("success", "SUCCESSFUL", "success", "succeeded")
    else:
        names = ("failure", "FAILED", "failed", "failed")
    keys = ("github", "bitbucket", "gitlab", "azureDevOps")
    return {f"{key}VerificationStatus": name for key, name in zip(keys, names, strict=True)}


def _seg(value: str) -> str:
    # The same encoding as contracts.api.links.seg (a selector does not import the API layer).
    return quote(value, safe="")


def template_context(
    *,
    event_name: str,
    base_url: str,
    publication: ContractPublication | None = None,
    verification: Verification | None = None,
    consumer_version: Version | None = None,
    provider_version: Version | None = None,
    pact_url: str | None = None,
    build_url: str | None = None,
    provider_version_descriptions: str | None = None,
) -> dict[str, str]:
    """The `${pactbroker.*}` values for an event, from its publication and/or verification.

    Contract events pass the publication (and, for contract_requiring_verification_published,
    the provider version to verify); the newest verification of the content fills the
    provider side. Verification events pass the verification and, when known, the
    publication or consumer version it was for.
    """
    base = base_url.rstrip("/")
    if publication is None and verification is not None:
        publication = verification_publication(verification, consumer_version=consumer_version)
    if publication is not None:
        consumer_version = consumer_version or publication.consumer_version
        if verification is None and provider_version is None:
            verification = contract_latest_verification(publication)
    contract = publication.contract if publication else (verification.contract if verification else None)
    if verification is not None and provider_version is None:
        provider_version = verification.provider_version
    consumer = contract.consumer if contract else (consumer_version.pacticipant if consumer_version else None)
    provider = contract.provider if contract else (provider_version.pacticipant if provider_version else None)

    pact_version_url = ""
    if contract is not None:
        pact_version_url = (
            f"{base}/pacts/provider/{_seg(contract.provider.name)}/consumer/{_seg(contract.consumer.name)}"
            f"/pact-version/{contract.sha}"
        )
    if build_url is None:
        source_build = (
            verification.build_url if verification else (consumer_version.build_url if consumer_version else None)
        )
        build_url = source_build or ""
    return {
        "pactUrl": pact_url or pact_version_url,
        "verificationResultUrl": f"{pact_version_url}/verification-results/{verification.id}" if verification else "",
        "consumerName": consumer.name if consumer else "",
        "providerName": provider.name if provider else "",
        "consumerVersionNumber": consumer_version.number if consumer_version else "",
        "providerVersionNumber": provider_version.number if provider_version else "",
        "consumerVersionTags": ", ".join(version_tag_names(consumer_version)),
        "providerVersionTags": ", ".join(version_tag_names(provider_version)),
        "consumerVersionBranch": version_branch_name(consumer_version) or "",
        "providerVersionBranch": version_branch_name(provider_version) or "",
        "providerVersionDescriptions": provider_version_descriptions or "",
        "consumerLabels": ", ".join(pacticipant_label_names(consumer)),
        "providerLabels": ", ".join(pacticipant_label_names(provider)),
        "buildUrl": build_url,
        "eventName": event_name,
        **_status_names(verification),
    }


def drift_template_context(
    *,
    event_name: str,
    base_url: str,
    transition: DriftTransition,
    run: LiveRun | None,
    incident: DriftIncident | None = None,
    target: LiveTarget | None = None,
    summary: str = "",
) -> dict[str, str]:
    """The `${pactbroker.*}` values of a drift event: its incident (or, with none, its live
    target), and the run that made the transition.

    Every parameter of the other events is present too, empty where it does not apply (a
    drift event has no pact URL or verification status), so a template shared by several
    events renders blanks rather than placeholders. `summary` is the transition's note,
    already redacted by the caller.
    """
    base = base_url.rstrip("/")
    consumer = incident.consumer if incident is not None else None
    provider = incident.provider if incident is not None else target.provider
    environment = incident.environment if incident is not None else target.environment
    # The provider version deployed when the run ran: the one that drifted, or that passes again.
    provider_version = (run.provider_version_number if run is not None else None) or (
        incident.provider_version_number if incident is not None else None
    )
    context = {key: "" for key in template_context(event_name=event_name, base_url=base)}
    context.update(
        consumerName=consumer.name if consumer else "",
        providerName=provider.name,
        consumerVersionNumber=incident.consumer_version_number if incident is not None else "",
        providerVersionNumber=provider_version or "",
        consumerLabels=", ".join(pacticipant_label_names(consumer)),
        providerLabels=", ".join(pacticipant_label_names(provider)),
        eventName=event_name,
        environmentName=environment.name,
        incidentUrl=f"{base}/drift-incidents/{incident.uuid}" if incident is not None else "",
        liveRunUrl=f"{base}/live-runs/{transition.run_uuid}" if transition.run_uuid else "",
        liveTargetUrl=f"{base}/pacticipants/{_seg(provider.name)}/live-targets/{_seg(environment.name)}",
        driftSummary=summary,
    )
    return context


def events_listened_to(event_names: list[str]) -> set[str]:
    """The subset of events some enabled webhook listens to (one prepared statement: every
    publish and every verification asks)."""
    return {name for (name,) in read_rows(Webhook, _EVENTS_LISTENED_TO, [list(event_names)])}


_EVENTS_LISTENED_TO = """
SELECT DISTINCT event
FROM webhooks_webhook w
CROSS JOIN jsonb_array_elements_text(CASE jsonb_typeof(w.events) WHEN 'array' THEN w.events ELSE '[]' END) AS event
WHERE w.enabled AND event = ANY(%s::text[])
"""


def webhooks_exist_for(*, consumer: Pacticipant, provider: Pacticipant) -> bool:
    """Is any enabled webhook scoped so that it could fire for this pair?

    A webhook scoped by label might apply, so any webhook not scoped to other
    pacticipants by name counts (the publish answer's "configure a webhook" advice).
    """
    [(found,)] = read_rows(Webhook, _WEBHOOKS_EXIST_FOR, [provider.id, consumer.id])
    return found


_WEBHOOKS_EXIST_FOR = """
SELECT EXISTS (
    SELECT 1 FROM webhooks_webhook
    WHERE enabled AND (provider_id IS NULL OR provider_id = %s) AND (consumer_id IS NULL OR consumer_id = %s)
)
"""


def latest_publication_in_scope(webhook: Webhook) -> ContractPublication | None:
    """The newest publication in the webhook's scope: what a test execution renders with."""
    publications = ContractPublication.objects.filter(is_current=True).select_related(
        "contract", "consumer", "provider", "consumer_version"
    )
    if webhook.consumer_id:
        publications = publications.filter(consumer_id=webhook.consumer_id)
    if webhook.provider_id:
        publications = publications.filter(provider_id=webhook.provider_id)
    return publications.order_by("-id").first()


def latest_drift_transition_in_scope(webhook: Webhook) -> DriftTransition | None:
    """The newest drift transition the webhook would have been told about: an incident's
    opening or resolution for drift_detected / drift_resolved, an outage's start for
    live_target_unreachable (test executions of drift webhooks render with it)."""
    from drift.models import DriftTransition

    wanted = Q()
    if "drift_detected" in webhook.events:
        wanted |= Q(kind="incident", new_state="open")
    if "drift_resolved" in webhook.events:
        wanted |= Q(kind="incident", new_state="resolved")
    if "live_target_unreachable" in webhook.events and not webhook.consumer_id:
        wanted |= Q(kind="target", new_state="unreachable")
    if not wanted:
        return None
    transitions = DriftTransition.objects.filter(wanted).select_related(
        "incident__consumer", "incident__provider", "incident__environment", "incident__target",
        "target__provider", "target__environment", "run",
    )  # fmt: skip
    if webhook.consumer_id:
        transitions = transitions.filter(incident__consumer_id=webhook.consumer_id)
    if webhook.provider_id:
        transitions = transitions.filter(
            Q(incident__provider_id=webhook.provider_id) | Q(target__provider_id=webhook.provider_id)
        )
    return transitions.order_by("-id").first()


def latest_verification_in_scope(webhook: Webhook) -> Verification | None:
    """The newest verification result in the webhook's scope (test executions of
    verification webhooks render with it)."""
    verifications = Verification.objects.select_related("contract__consumer", "contract__provider", "provider_version")
    if webhook.consumer_id:
        verifications = verifications.filter(consumer_id=webhook.consumer_id)
    if webhook.provider_id:
        verifications = verifications.filter(provider_id=webhook.provider_id)
    return verifications.order_by("-id").first()


# ------------------------------------------------------------------- triggered webhooks


def triggered_webhook_get(*, uuid: str) -> TriggeredWebhook:
    """A triggered webhook by its uuid, or NotFound."""
    try:
        key = uuid_module.UUID(uuid)
    except ValueError:
        key = None
    triggered = TriggeredWebhook.objects.filter(uuid=key).first() if key else None
    if triggered is None:
        raise NotFound(f"No triggered webhook with uuid {uuid}")
    return triggered


def triggered_for_consumer_version(
    *, provider: Pacticipant, consumer: Pacticipant, version_number: str
) -> QuerySet[TriggeredWebhook]:
    """What a consumer version's pact triggered, oldest first.

    Drift deliveries name the consumer version deployed when the provider drifted, but the
    pact's publication did not trigger them: they are left out.
    """
    return (
        TriggeredWebhook.objects.filter(
            provider=provider, consumer=consumer, context__consumerVersionNumber=version_number
        )
        .exclude(event_name__in=DRIFT_EVENT_NAMES)
        .select_related("webhook")
        .order_by("id")
    )


def triggered_latest_per_webhook(*, provider: Pacticipant, consumer: Pacticipant) -> list[TriggeredWebhook]:
    """The newest triggered webhook of each webhook for a pair (the status resource)."""
    return list(
        TriggeredWebhook.objects.filter(provider=provider, consumer=consumer)
        .order_by("webhook_uuid", "-id")
        .distinct("webhook_uuid")
        .select_related("webhook")
    )


def triggered_webhook_executions(triggered: TriggeredWebhook) -> list[WebhookExecution]:
    """Every attempt of a delivery, first to last."""
    return list(triggered.executions.order_by("attempt"))


VERIFICATION_EVENTS = (
    "provider_verification_published",
    "provider_verification_succeeded",
    "provider_verification_failed",
)


def triggered_for_verification(verification: Verification) -> QuerySet[TriggeredWebhook]:
    """What publishing a verification result triggered, oldest first.

    A delivery remembers its result only in its template context, as the result's URL
    (`.../pact-version/{sha}/verification-results/{id}`). The URL's tail must match the
    sha and the id exactly (result 12 is not result 112), whatever base URL it was
    written with; the pair narrows the search to its index.
    """
    contract = verification.contract
    tail = f"/pact-version/{contract.sha}/verification-results/{verification.id}"
    return (
        TriggeredWebhook.objects.filter(
            provider_id=contract.provider_id,
            consumer_id=contract.consumer_id,
            event_name__in=VERIFICATION_EVENTS,
            context__verificationResultUrl__endswith=tail,
        )
        .select_related("webhook")
        .order_by("id")
    )


# ------------------------------------------------------------------- secrets (`${user.NAME}`)


def secrets_list() -> QuerySet[WebhookSecret]:
    """Every secret by name, without its value (nothing is decrypted to list them)."""
    return WebhookSecret.objects.defer("value").order_by("name", "id")


def secret_get(*, uuid: str) -> WebhookSecret:
    """A secret by its uuid, without its value, or NotFound."""
    try:
        key = uuid_module.UUID(uuid)
    except ValueError:
        key = None
    secret = WebhookSecret.objects.defer("value").filter(uuid=key).first() if key else None
    if secret is None:
        raise NotFound(f"No secret with uuid {uuid}")
    return secret


def secret_values(*, names: set[str] | list[str]) -> dict[str, str]:
    """The values of the secrets with these exact names (decrypted), for a request being sent;
    a name without a secret is absent from the answer."""
    if not names:
        return {}
    return dict(WebhookSecret.objects.filter(name__in=list(names)).values_list("name", "value"))


def secret_names_missing(*, names: set[str] | list[str]) -> list[str]:
    """Those of `names` that name no secret (a webhook may refer to one not created yet)."""
    if not names:
        return []
    found = set(WebhookSecret.objects.filter(name__in=list(names)).values_list("name", flat=True))
    return sorted(set(names) - found)
