"""API views: reading pacts (api spec 3.3), and the pact representation.

The `/pacts/provider/P/consumer/C/version/V` route (GET, PUT, PATCH, DELETE) lives in
contracts/api/publish.py, whose view extends `PactApi` with the legacy publish methods.
"""

from __future__ import annotations

import json
import re

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.links import Links, Placeholder
from contracts.api.schema import STRING, TIMESTAMP, hal, with_links
from contracts.api.timestamps import iso
from contracts.exceptions import NotFound
from contracts.models import ContractPublication
from contracts.selectors import pacts as selectors
from contracts.selectors.pacticipants import first_missing_pacticipant, pacticipant_by_name, pacticipants_by_names

SHA = re.compile(r"^[0-9a-f]{40}$")


def pact_name(publication: ContractPublication) -> str:
    """ "Pact between C (V) and P", the name clients show for a pact."""
    return (
        f"Pact between {publication.consumer.name} ({publication.consumer_version.number}) "
        f"and {publication.provider.name}"
    )


def pact_url(links: Links, publication: ContractPublication) -> str:
    """The consumer-version URL of a pact (where it was published)."""
    return links.route(
        "pact",
        provider=publication.provider.name,
        consumer=publication.consumer.name,
        version=publication.consumer_version.number,
    )


def doc_curies(links: Links, context: str) -> list[dict]:
    """The `curies` link: where the documentation of each `pb:` relation is."""
    return [
        {"name": "pb", "href": links.route("doc", rel=Placeholder("rel")) + f"?context={context}", "templated": True}
    ]


def pact_links(links: Links, publication: ContractPublication, metadata: str | None = None) -> dict:
    """The `_links` of a pact; `metadata` goes into the verification results href."""
    consumer, provider = publication.consumer.name, publication.provider.name
    number, sha = publication.consumer_version.number, publication.contract.sha
    pair = {"provider": provider, "consumer": consumer}
    version_href = links.route("pact", **pair, version=number)
    content_href = links.route("pact-content", **pair, sha=sha)
    if metadata:
        results_href = links.route("verification-results-metadata", **pair, sha=sha, metadata=metadata)
    else:
        results_href = links.route("verification-results", **pair, sha=sha)
    matrix_query = [("q[][pacticipant]", consumer), ("q[][version]", number), ("latestby", "cvpv")]
    return {
        "self": {"title": "Pact", "name": pact_name(publication), "href": version_href},
        "pb:consumer": links.link("pacticipant", {"name": consumer}, title="Consumer", name=consumer),
        "pb:consumer-version": links.link(
            "version", {"name": consumer, "number": number}, title="Consumer version", name=number
        ),
        "pb:provider": links.link("pacticipant", {"name": provider}, title="Provider", name=provider),
        "pb:pact-version": {"title": "Pact content version permalink", "name": sha, "href": content_href},
        "pb:latest-pact-version": links.link("pact-latest", pair, title="Latest version of this pact"),
        "pb:all-pact-versions": links.link("pact-versions", pair, title="All versions of this pact"),
        "pb:latest-untagged-pact-version": links.link(
            "pact-latest-untagged", pair, title="Latest untagged version of this pact"
        ),
        "pb:latest-tagged-pact-version": {
            "title": "Latest tagged version of this pact",
            "href": links.route("pact-latest-tag", **pair, tag=Placeholder("tag")),
            "templated": True,
        },
        # Served by contracts/api/pact_diffs.py.
        "pb:previous-distinct": links.link(
            "pact-previous-distinct", {**pair, "version": number}, title="Previous distinct version of this pact"
        ),
        "pb:diff-previous-distinct": links.link(
            "pact-diff-previous-distinct",
            {**pair, "version": number},
            title="Diff with previous distinct version of this pact",
        ),
        "pb:diff": {
            "title": "Diff with another specified version of this pact",
            "href": links.route("pact-diff-pact-version", **pair, sha=sha, other=Placeholder("pactVersion")),
            "templated": True,
        },
        "pb:pact-webhooks": links.link(
            "webhooks-provider-consumer", pair, title=f"Webhooks for the pact between {consumer} and {provider}"
        ),
        # The Pact Broker points this at the provider's name (a bug); we use the consumer's.
        "pb:consumer-webhooks": links.link(
            "webhooks-consumer", {"consumer": consumer}, title=f"Webhooks for all pacts with consumer {consumer}"
        ),
        "pb:tag-prod-version": links.link(
            "version-tag",
            {"name": consumer, "number": number, "tag": "prod"},
            title="PUT to this resource to tag this consumer version as 'production'",
        ),
        "pb:tag-version": {
            "title": "PUT to this resource to tag this consumer version",
            "href": links.route("version-tag", name=consumer, number=number, tag=Placeholder("tag")),
            "templated": True,
        },
        "pb:publish-verification-results": {"title": "Publish verification results", "href": results_href},
        "pb:latest-verification-results": links.link(
            "verification-result", {**pair, "sha": sha, "number": "latest"}, title="Latest verification results"
        ),
        "pb:triggered-webhooks": links.link(
            "pact-triggered-webhooks",
            {**pair, "version": number},
            title="Webhooks triggered by the publication of this pact",
        ),
        "pb:matrix-for-consumer-version": {
            "title": "View matrix rows for the consumer version to which this pact belongs",
            "href": links.route("matrix", query=matrix_query),
        },
        "curies": doc_curies(links, "pact"),
    }


def pact_response(
    request: Request, publication: ContractPublication, *, metadata: str | None = None, status: int = 200
) -> Response:
    """The stored pact document with `createdAt` and `_links` merged in at the top level."""
    body = json.loads(publication.contract.document)
    body["createdAt"] = iso(publication.created_at)
    body["_links"] = pact_links(Links(request), publication, metadata)
    return Response(body, status=status)


def pact_not_found(provider: str, consumer: str, message: str) -> NotFound:
    """404 naming a missing pacticipant first, else `message` (the pact is missing)."""
    missing = first_missing_pacticipant(provider, consumer)
    if missing is not None:
        return NotFound(f"No pacticipant with name '{missing}' found")
    return NotFound(message)


def self_href(request: Request, links: Links) -> str:
    """The href of the route this request came in by (one view serves several routes)."""
    match = request.resolver_match
    return links.route(match.url_name, **match.kwargs)


# ---------------------------------------------------------------- response shapes

_NAMED = {"type": "object", "properties": {"name": STRING}, "required": ["name"]}
_OBJECTS = {"type": "array", "items": {"type": "object"}}
PACT = with_links(
    hal(
        {
            "consumer": _NAMED,
            "provider": _NAMED,
            "interactions": _OBJECTS,
            "messages": _OBJECTS,
            "metadata": {"type": "object"},
            "createdAt": TIMESTAMP,
        },
        required=("consumer", "provider", "createdAt"),
    ),
    # What the verifiers follow: the provider (branch and tag PUTs) and where results go.
    "self",
    "pb:provider",
    "pb:publish-verification-results",
)
_PACTICIPANT = hal({"name": STRING}, required=("name",))
LATEST_PACTS = with_links(
    hal(
        {
            "pacts": {
                "type": "array",
                "items": hal(
                    {
                        "createdAt": TIMESTAMP,
                        "_embedded": {
                            "type": "object",
                            "properties": {
                                "consumer": hal(
                                    {
                                        "name": STRING,
                                        "_embedded": {
                                            "type": "object",
                                            "properties": {
                                                "version": hal({"number": STRING}, required=("number",), links=False)
                                            },
                                            "required": ["version"],
                                        },
                                    },
                                    required=("name", "_embedded"),
                                ),
                                "provider": _PACTICIPANT,
                            },
                            "required": ["consumer", "provider"],
                        },
                    },
                    required=("createdAt", "_embedded"),
                ),
            }
        },
        required=("pacts",),
    ),
    "self",
    "pb:pacts",
    "pacts",
)
# `pacts` (deprecated) is what the Rust verifier reads when given no selectors.
PROVIDER_PACTS = with_links(hal(), "self", "pb:provider", "pb:pacts", "pacts")
PACT_VERSIONS = with_links(
    hal(
        {
            "_embedded": {
                "type": "object",
                "properties": {
                    "pacts": {
                        "type": "array",
                        "items": hal(
                            {
                                "createdAt": TIMESTAMP,
                                "_embedded": {
                                    "type": "object",
                                    "properties": {"consumerVersion": hal({"number": STRING}, required=("number",))},
                                    "required": ["consumerVersion"],
                                },
                            },
                            required=("createdAt", "_embedded"),
                        ),
                    }
                },
                "required": ["pacts"],
            }
        },
        required=("_embedded",),
    ),
    "self",
    "pb:consumer",
    "pb:provider",
)


# ---------------------------------------------------------------- views


class PactApi(BrokerApi):
    """GET /pacts/provider/P/consumer/C/version/V: that consumer version's pact."""

    @extend_schema(responses={200: PACT})
    def get(self, request: Request, provider: str, consumer: str, version: str) -> Response:
        publication = selectors.pact_for_version(provider_name=provider, consumer_name=consumer, version_number=version)
        if publication is None:
            raise pact_not_found(
                provider, consumer, f"No pact found for {consumer} version {version} and provider {provider}"
            )
        return pact_response(request, publication)


class PactContentApi(BrokerApi):
    """GET .../pact-version/{sha}[/metadata/{m}]: pact content by sha (the verifiers' URL)."""

    @extend_schema(responses={200: PACT})
    def get(self, request: Request, provider: str, consumer: str, sha: str, metadata: str | None = None) -> Response:
        sha = sha.lower()
        publication = None
        if SHA.match(sha):
            publication = selectors.pact_for_sha(provider_name=provider, consumer_name=consumer, sha=sha)
        if publication is None:
            raise pact_not_found(
                provider, consumer, f"No pact with content {sha} found between {consumer} and {provider}"
            )
        # The segment is opaque here: echoed as received, read when results are published.
        return pact_response(request, publication, metadata=metadata)


class LatestPactApi(BrokerApi):
    """GET .../latest, .../latest/{tag}, .../latest-untagged, .../branch/{b}/latest."""

    untagged = False

    @extend_schema(responses={200: PACT})
    def get(
        self, request: Request, provider: str, consumer: str, tag: str | None = None, branch: str | None = None
    ) -> Response:
        publication = selectors.pact_latest(
            provider_name=provider, consumer_name=consumer, tag=tag, untagged=self.untagged, branch=branch
        )
        if publication is None:
            among = (
                f" with consumer version tag '{tag}'"
                if tag is not None
                else f" on consumer branch '{branch}'"
                if branch is not None
                else " among untagged consumer versions"
                if self.untagged
                else ""
            )
            raise pact_not_found(provider, consumer, f"No pact found between {consumer} and {provider}{among}")
        metadata: dict = {"cv": publication.consumer_version_id}
        if tag is not None:
            metadata["cvt"] = [tag]
        response = pact_response(request, publication, metadata=selectors.encode_metadata(metadata))
        response["X-Pact-Consumer-Version"] = publication.consumer_version.number
        return response


def _pact_links(links: Links, publications: list[ContractPublication]) -> tuple[list[dict], list[dict]]:
    """`pb:pacts` and the deprecated `pacts` (the Rust verifier's URL mode reads the latter)."""
    current = [{"href": pact_url(links, p), "title": pact_name(p), "name": p.consumer.name} for p in publications]
    deprecated = [
        {"href": link["href"], "title": "DEPRECATED - please use the pb:pacts relation", "name": link["title"]}
        for link in current
    ]
    return current, deprecated


def _pacticipant_self(links: Links, name: str) -> dict:
    return {"self": {"href": links.route("pacticipant", name=name)}}


class LatestPactsApi(BrokerApi):
    """GET /pacts/latest: the latest pact of every integration."""

    @extend_schema(responses={200: LATEST_PACTS})
    def get(self, request: Request) -> Response:
        links = Links(request)
        publications = selectors.pacts_latest_per_integration()
        pacts = [
            {
                "createdAt": iso(p.created_at),
                "_embedded": {
                    "consumer": {
                        "name": p.consumer.name,
                        "_links": _pacticipant_self(links, p.consumer.name),
                        "_embedded": {"version": {"number": p.consumer_version.number}},
                    },
                    "provider": {"name": p.provider.name, "_links": _pacticipant_self(links, p.provider.name)},
                },
                "_links": {
                    "self": [
                        {"href": links.route("pact-latest", provider=p.provider.name, consumer=p.consumer.name)},
                        {"href": pact_url(links, p)},
                    ]
                },
            }
            for p in publications
        ]
        current, deprecated = _pact_links(links, publications)
        return Response(
            {
                "pacts": pacts,
                "_links": {
                    "self": links.link("pacts-latest", title="Latest pact versions"),
                    "pb:pacts": current,
                    "pacts": deprecated,
                    "curies": doc_curies(links, "index"),
                },
            }
        )


class ProviderPactsApi(BrokerApi):
    """GET /pacts/provider/P[/latest][/{tag}], /tag/{tag}, /branch[/{b}][/latest]: a provider's pacts."""

    latest = False
    main_branch = False

    @extend_schema(responses={200: PROVIDER_PACTS})
    def get(self, request: Request, provider: str, tag: str | None = None, branch: str | None = None) -> Response:
        owner = pacticipant_by_name(name=provider)
        publications = selectors.provider_pacts(
            provider=owner, latest=self.latest, tag=tag, branch=branch, main_branch=self.main_branch
        )
        links = Links(request)
        scope = (
            f" with consumer version tag '{tag}'"
            if tag is not None
            else f" with consumer version branch '{branch}'"
            if branch is not None
            else " from the consumers' main branches"
            if self.main_branch
            else ""
        )
        title = f"{'Latest' if self.latest else 'All'} pact versions for the provider {provider}{scope}"
        current, deprecated = _pact_links(links, publications)
        provider_href = links.route("pacticipant", name=provider)
        return Response(
            {
                "_links": {
                    "self": {"href": self_href(request, links), "title": title},
                    "pb:provider": {"href": provider_href, "name": provider, "title": "Provider"},
                    "pb:pacts": current,
                    "provider": {"href": provider_href, "title": provider},
                    "pacts": deprecated,
                }
            }
        )


class PactVersionsApi(BrokerApi):
    """GET /pacts/provider/P/consumer/C/versions: every consumer version's pact, newest first.

    Also .../tag/{tag}, .../branch/{b}, .../branch/versions (the consumer's main branch)
    and .../branch[/{b}]/latest/versions (only the newest of those).
    """

    main_branch = False
    latest = False

    @extend_schema(responses={200: PACT_VERSIONS})
    def get(
        self, request: Request, provider: str, consumer: str, tag: str | None = None, branch: str | None = None
    ) -> Response:
        owner, user = pacticipants_by_names(provider, consumer)
        publications = selectors.pact_history(
            provider=owner, consumer=user, tag=tag, branch=branch, main_branch=self.main_branch, latest=self.latest
        )
        scope = (
            f" with tag {tag}"
            if tag is not None
            else f" from branch {branch}"
            if branch is not None
            else f" from the main branch of {consumer}"
            if self.main_branch
            else ""
        )
        links = Links(request)
        pacts = [
            {
                "createdAt": iso(p.created_at),
                "_embedded": {
                    "consumerVersion": {
                        "number": p.consumer_version.number,
                        "_links": {
                            "self": {"href": links.route("version", name=consumer, number=p.consumer_version.number)}
                        },
                    }
                },
                "_links": {"self": {"href": pact_url(links, p), "title": "Pact", "name": pact_name(p)}},
            }
            for p in publications
        ]
        return Response(
            {
                "_embedded": {"pacts": pacts},
                "_links": {
                    "self": {
                        "href": self_href(request, links),
                        "title": f"{'Latest' if self.latest else 'All'} versions of the pact between "
                        f"{consumer} and {provider}{scope}",
                    },
                    "pb:consumer": links.link("pacticipant", {"name": consumer}, title="Consumer", name=consumer),
                    "pb:provider": links.link("pacticipant", {"name": provider}, title="Provider", name=provider),
                },
            }
        )


PROVIDER = "pacts/provider/<seg:provider>"
PAIR = PROVIDER + "/consumer/<seg:consumer>"

urlpatterns = [
    path("pacts/latest", LatestPactsApi.as_view(), name="pacts-latest"),
    path(PROVIDER, ProviderPactsApi.as_view(), name="provider-pacts"),
    path(PROVIDER + "/latest", ProviderPactsApi.as_view(latest=True), name="provider-pacts-latest"),
    path(PROVIDER + "/latest/<seg:tag>", ProviderPactsApi.as_view(latest=True), name="provider-pacts-latest-tag"),
    path(PROVIDER + "/tag/<seg:tag>", ProviderPactsApi.as_view(), name="provider-pacts-tag"),
    path(PROVIDER + "/branch", ProviderPactsApi.as_view(main_branch=True), name="provider-pacts-main-branch"),
    # Before branch/<b>: "latest" here means the main branch's latest, as in the Pact Broker.
    path(
        PROVIDER + "/branch/latest",
        ProviderPactsApi.as_view(main_branch=True, latest=True),
        name="provider-pacts-main-branch-latest",
    ),
    path(PROVIDER + "/branch/<seg:branch>", ProviderPactsApi.as_view(), name="provider-pacts-branch"),
    path(
        PROVIDER + "/branch/<seg:branch>/latest",
        ProviderPactsApi.as_view(latest=True),
        name="provider-pacts-branch-latest",
    ),
    path(PAIR + "/latest", LatestPactApi.as_view(), name="pact-latest"),
    path(PAIR + "/latest-untagged", LatestPactApi.as_view(untagged=True), name="pact-latest-untagged"),
    path(PAIR + "/latest/<seg:tag>", LatestPactApi.as_view(), name="pact-latest-tag"),
    path(PAIR + "/branch/<seg:branch>/latest", LatestPactApi.as_view(), name="pact-latest-branch"),
    path(PAIR + "/pact-version/<seg:sha>", PactContentApi.as_view(), name="pact-content"),
    path(
        PAIR + "/pact-version/<seg:sha>/metadata/<seg:metadata>", PactContentApi.as_view(), name="pact-content-metadata"
    ),
    path(PAIR + "/versions", PactVersionsApi.as_view(), name="pact-versions"),
    path(PAIR + "/tag/<seg:tag>", PactVersionsApi.as_view(), name="pact-versions-tag"),
    # Before branch/<b>: "versions" and "latest" here are keywords for the main branch, as upstream.
    path(PAIR + "/branch/versions", PactVersionsApi.as_view(main_branch=True), name="pact-versions-main-branch"),
    path(
        PAIR + "/branch/latest/versions",
        PactVersionsApi.as_view(main_branch=True, latest=True),
        name="pact-versions-main-branch-latest",
    ),
    path(PAIR + "/branch/<seg:branch>", PactVersionsApi.as_view(), name="pact-versions-branch"),
    path(
        PAIR + "/branch/<seg:branch>/latest/versions",
        PactVersionsApi.as_view(latest=True),
        name="pact-versions-branch-latest",
    ),
]
