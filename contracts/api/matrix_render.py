"""The matrix / can-i-deploy JSON body (3.12). Unlike the HAL decorators, it renders nulls.

Clients read: `summary.deployable` (nullable; Rust retries while null), integer
`summary.unknown` (Ruby retries while > 0 and fails if it is not an integer),
`summary.ignored` (its presence tells the Ruby CLI that ignoring is supported),
`notices[]`, and per row `consumer.version.number`, `provider.version` (nullable),
`verificationResult.success` and `verificationResult._links.self.href`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from contracts.api.links import Links
from contracts.api.schema import BOOLEAN, LINKS, NULLABLE_STRING, STRING, TIMESTAMP, hal
from contracts.api.timestamps import iso
from contracts.matrix.decision import Decision
from contracts.matrix.details import EnvironmentRef, VersionDetails
from contracts.matrix.types import Row

INTEGER = {"type": "integer"}
_NAMED_WITH_LINKS = {"type": "object", "properties": {"name": STRING, "latest": BOOLEAN, "_links": LINKS}}
VERSION = hal(
    {
        "number": STRING,
        "branch": NULLABLE_STRING,
        "branches": {"type": "array", "items": _NAMED_WITH_LINKS},
        "branchVersions": {"type": "array", "items": _NAMED_WITH_LINKS},
        "environments": {"type": "array", "items": hal({"uuid": STRING, "name": STRING, "production": BOOLEAN})},
        "tags": {"type": "array", "items": _NAMED_WITH_LINKS},
    },
    required=("number",),
)
ROW = {
    "type": "object",
    "properties": {
        "consumer": hal({"name": STRING, "version": VERSION}, required=("name", "version")),
        # null: nobody in the provider selection verified the pact.
        "provider": hal(
            {"name": STRING, "version": {"anyOf": [VERSION, {"type": "null"}]}}, required=("name", "version")
        ),
        "pact": hal({"createdAt": TIMESTAMP}, required=("createdAt",)),
        "verificationResult": {
            "anyOf": [hal({"success": BOOLEAN, "verifiedAt": TIMESTAMP}, required=("success",)), {"type": "null"}]
        },
        "ignored": BOOLEAN,
    },
    "required": ["consumer", "provider", "pact", "verificationResult"],
}
MATRIX = hal(
    {
        "summary": {
            "type": "object",
            "properties": {
                # null: not known yet (the Rust CLI retries while it is null).
                "deployable": {"type": ["boolean", "null"]},
                "reason": STRING,
                "success": INTEGER,
                "failed": INTEGER,
                # An integer: the Ruby CLI retries while it is above 0 and fails on anything else.
                "unknown": INTEGER,
                # Present when ignore selectors were sent: tells the Ruby CLI that ignoring is supported.
                "ignored": INTEGER,
            },
            "required": ["deployable", "reason", "success", "failed", "unknown"],
        },
        "notices": {
            "type": "array",
            "items": {"type": "object", "properties": {"type": STRING, "text": STRING}, "required": ["type", "text"]},
        },
        "matrix": {"type": "array", "items": ROW},
    },
    required=("summary", "notices", "matrix"),
    links=False,
)


def _environment(links: Links, env: EnvironmentRef) -> dict:
    body: dict = {"uuid": str(env.uuid), "name": env.name}
    if env.display_name is not None:
        body["displayName"] = env.display_name
    body["production"] = env.production
    body["createdAt"] = iso(env.created_at)
    body["_links"] = {"self": links.link("environment", {"uuid": env.uuid}, title="Environment", name=env.name)}
    return body


def _version(
    links: Links, pacticipant: str, number: str, details: VersionDetails, environments: dict[UUID, dict]
) -> dict:
    branches = [
        {
            "name": name,
            "latest": head,
            "_links": {"self": {"href": links.route("branch", name=pacticipant, branch=name)}},
        }
        for name, head in details.branches
    ]
    branch_versions = [
        {
            "name": name,
            "latest": head,
            "_links": {"self": {"href": links.route("branch-version", name=pacticipant, branch=name, number=number)}},
        }
        for name, head in details.branches
    ]
    return {
        "number": number,
        "branch": details.branches[-1][0] if details.branches else None,
        "branches": branches,
        "branchVersions": branch_versions,
        # The same few environments on every row: each rendered once per answer.
        "environments": [
            environments.get(env.uuid) or environments.setdefault(env.uuid, _environment(links, env))
            for env in details.environments
        ],
        "tags": [
            {
                "name": name,
                "latest": latest,
                "_links": {"self": {"href": links.route("version-tag", name=pacticipant, number=number, tag=name)}},
            }
            for name, latest in details.tags
        ],
        "_links": {"self": {"href": links.route("version", name=pacticipant, number=number)}},
    }


@dataclass
class Rendered:
    """What one answer has rendered already: each version (a hub's version is on every row
    of its can-i-deploy) and each environment (the same few on every row), by id."""

    versions: dict[int, dict] = field(default_factory=dict)
    environments: dict[UUID, dict] = field(default_factory=dict)


def render_row(
    links: Links,
    row: Row,
    details: dict[int, VersionDetails],
    *,
    ignored: bool = False,
    rendered: Rendered | None = None,
) -> dict:
    """One matrix line. The rows of one answer share `rendered`, so that what several rows
    show is rendered once."""
    consumer, provider = row.consumer_name, row.provider_name
    rendered = Rendered() if rendered is None else rendered

    def version(pacticipant: str, version_id: int, number: str) -> dict:
        body = rendered.versions.get(version_id)
        if body is None:
            body = rendered.versions[version_id] = _version(
                links, pacticipant, number, details.get(version_id, VersionDetails()), rendered.environments
            )
        return body

    provider_version = None
    if row.provider_version_id is not None:
        provider_version = version(provider, row.provider_version_id, row.provider_version_number or "")
    verification = None
    if row.verification_id is not None:
        href = links.route(
            "verification-result",
            provider=provider,
            consumer=consumer,
            sha=row.contract_sha,
            number=row.verification_id,
        )
        verification = {"success": row.success, "verifiedAt": iso(row.verified_at), "_links": {"self": {"href": href}}}
    body = {
        "consumer": {
            "name": consumer,
            "version": version(consumer, row.consumer_version_id, row.consumer_version_number),
            "_links": {"self": {"href": links.route("pacticipant", name=consumer)}},
        },
        "provider": {
            "name": provider,
            "version": provider_version,
            "_links": {"self": {"href": links.route("pacticipant", name=provider)}},
        },
        "pact": {
            "createdAt": iso(row.pact_created_at),
            "_links": {
                "self": {
                    "href": links.route(
                        "pact", provider=provider, consumer=consumer, version=row.consumer_version_number
                    )
                }
            },
        },
        "verificationResult": verification,
    }
    if ignored:
        body["ignored"] = True
    return body


def render_matrix(
    links: Links, decision: Decision, details: dict[int, VersionDetails], *, advice: list[dict] | None = None
) -> dict:
    """The whole body: summary, notices, then considered rows followed by ignored ones.

    `advice` (contracts.advisories: drift monitoring's warnings) is appended to the
    decision's notices; the summary is the decision's alone.
    """
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
    rendered = Rendered()
    return {
        "summary": summary,
        "notices": [{"type": reason.kind, "text": reason.text} for reason in decision.reasons] + list(advice or ()),
        "matrix": [render_row(links, row, details, rendered=rendered) for row in decision.considered]
        + [render_row(links, row, details, ignored=True, rendered=rendered) for row in decision.ignored],
    }
