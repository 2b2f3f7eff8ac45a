"""The matrix / can-i-deploy JSON body (3.12). Unlike the HAL decorators, it renders nulls.

Clients read: `summary.deployable` (nullable; Rust retries while null), integer
`summary.unknown` (Ruby retries while > 0 and fails if it is not an integer),
`summary.ignored` (its presence tells the Ruby CLI that ignoring is supported),
`notices[]`, and per row `consumer.version.number`, `provider.version` (nullable),
`verificationResult.success` and `verificationResult._links.self.href`.
"""

from __future__ import annotations

from contracts.api.links import Links
from contracts.api.timestamps import iso
from contracts.matrix.decision import Decision
from contracts.matrix.details import EnvironmentRef, VersionDetails
from contracts.matrix.types import Row


def _environment(links: Links, env: EnvironmentRef) -> dict:
    body: dict = {"uuid": str(env.uuid), "name": env.name}
    if env.display_name is not None:
        body["displayName"] = env.display_name
    body["production"] = env.production
    body["createdAt"] = iso(env.created_at)
    body["_links"] = {"self": {"title": "Environment", "name": env.name, "href": links.url("environments", env.uuid)}}
    return body


def _version(links: Links, pacticipant: str, number: str, details: VersionDetails) -> dict:
    branches = [
        {
            "name": name,
            "latest": head,
            "_links": {"self": {"href": links.url("pacticipants", pacticipant, "branches", name)}},
        }
        for name, head in details.branches
    ]
    branch_versions = [
        {
            "name": name,
            "latest": head,
            "_links": {"self": {"href": links.url("pacticipants", pacticipant, "branches", name, "versions", number)}},
        }
        for name, head in details.branches
    ]
    return {
        "number": number,
        "branch": details.branches[-1][0] if details.branches else None,
        "branches": branches,
        "branchVersions": branch_versions,
        "environments": [_environment(links, env) for env in details.environments],
        "tags": [
            {
                "name": name,
                "latest": latest,
                "_links": {"self": {"href": links.url("pacticipants", pacticipant, "versions", number, "tags", name)}},
            }
            for name, latest in details.tags
        ],
        "_links": {"self": {"href": links.url("pacticipants", pacticipant, "versions", number)}},
    }


def render_row(links: Links, row: Row, details: dict[int, VersionDetails], *, ignored: bool = False) -> dict:
    """One matrix line."""
    consumer, provider = row.consumer_name, row.provider_name
    provider_version = None
    if row.provider_version_id is not None:
        provider_version = _version(
            links, provider, row.provider_version_number or "", details.get(row.provider_version_id, VersionDetails())
        )
    verification = None
    if row.verification_id is not None:
        href = links.url(
            "pacts",
            "provider",
            provider,
            "consumer",
            consumer,
            "pact-version",
            row.contract_sha,
            "verification-results",
            row.verification_id,
        )
        verification = {"success": row.success, "verifiedAt": iso(row.verified_at), "_links": {"self": {"href": href}}}
    body = {
        "consumer": {
            "name": consumer,
            "version": _version(
                links, consumer, row.consumer_version_number, details.get(row.consumer_version_id, VersionDetails())
            ),
            "_links": {"self": {"href": links.url("pacticipants", consumer)}},
        },
        "provider": {
            "name": provider,
            "version": provider_version,
            "_links": {"self": {"href": links.url("pacticipants", provider)}},
        },
        "pact": {
            "createdAt": iso(row.pact_created_at),
            "_links": {
                "self": {
                    "href": links.url(
                        "pacts", "provider", provider, "consumer", consumer, "version", row.consumer_version_number
                    )
                }
            },
        },
        "verificationResult": verification,
    }
    if ignored:
        body["ignored"] = True
    return body


def render_matrix(links: Links, decision: Decision, details: dict[int, VersionDetails]) -> dict:
    """The whole body: summary, notices, then considered rows followed by ignored ones."""
    counts = decision.counts
    summary: dict = {
        "deployable": decision.deployable,
        "reason": "\n".join(reason.text for reason in decision.reasons),
        "success": counts.success,
        "failed": counts.failed,
        "unknown": counts.unknown,
    }
    if counts.ignored is not None:
        summary["ignored"] = counts.ignored
    return {
        "summary": summary,
        "notices": [{"type": reason.kind, "text": reason.text} for reason in decision.reasons],
        "matrix": [render_row(links, row, details) for row in decision.considered]
        + [render_row(links, row, details, ignored=True) for row in decision.ignored],
    }
