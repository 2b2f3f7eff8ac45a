"""The HAL index at `/`: clients discover features by its relation names.

Every href is built from a route name; a templated one fills the route's parameters
with placeholders ("{provider}"), and the can-i-deploy ones append a query template.
"""

from __future__ import annotations

from typing import NamedTuple

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from contracts.api.base import BrokerApi
from contracts.api.links import Links, Placeholder
from contracts.api.schema import hal, with_links

PROVIDER, CONSUMER, PACTICIPANT = Placeholder("provider"), Placeholder("consumer"), Placeholder("pacticipant")
VERSION, TAG, BRANCH = Placeholder("version"), Placeholder("tag"), Placeholder("branch")


class Relation(NamedTuple):
    """One relation of the index: the route it links to, placeholders for the route's parameters."""

    rel: str
    route: str
    title: str
    params: dict[str, str] = {}
    query: str = ""  # a query-string template appended to the route's path

    @property
    def templated(self) -> bool:
        return bool(self.params) or "{" in self.query


PACT_PAIR = {"provider": PROVIDER, "consumer": CONSUMER}

RELATIONS: list[Relation] = [
    Relation(
        "pb:publish-pact", "pact", "Publish a pact", {**PACT_PAIR, "version": Placeholder("consumerApplicationVersion")}
    ),
    Relation("pb:publish-contracts", "contracts-publish", "Publish contracts"),
    Relation("pb:latest-pact-versions", "pacts-latest", "Latest pact versions"),
    Relation(
        "pb:tagged-pact-versions",
        "pact-versions-tag",
        "All versions of a pact for a given consumer, provider and consumer version tag",
        {**PACT_PAIR, "tag": TAG},
    ),
    Relation(
        "pb:branch-pact-versions",
        "pact-versions-branch",
        "All versions of a pact for a given consumer, provider and consumer version branch",
        {**PACT_PAIR, "branch": BRANCH},
    ),
    Relation(
        "pb:latest-branch-pact-versions",
        "pact-versions-branch-latest",
        "Latest version of a pact for a given consumer, provider and consumer version branch",
        {**PACT_PAIR, "branch": BRANCH},
    ),
    Relation(
        "pb:main-branch-pact-versions",
        "pact-versions-main-branch",
        "All versions of a pact for a given consumer, provider and the consumer's main branch",
        PACT_PAIR,
    ),
    Relation(
        "pb:latest-main-branch-pact-versions",
        "pact-versions-main-branch-latest",
        "Latest version of a pact for a given consumer, provider and the consumer's main branch",
        PACT_PAIR,
    ),
    Relation(
        "pb:provider-pacts-with-main-branch",
        "provider-pacts-main-branch",
        "All pact versions for the provider from the consumers' main branches",
        {"provider": PROVIDER},
    ),
    Relation(
        "pb:provider-pacts-with-branch",
        "provider-pacts-branch",
        "All pact versions for the provider with the given consumer version branch",
        {"provider": PROVIDER, "branch": BRANCH},
    ),
    Relation(
        "pb:latest-provider-pacts-with-main-branch",
        "provider-pacts-main-branch-latest",
        "Latest pacts for the provider from the consumers' main branches",
        {"provider": PROVIDER},
    ),
    Relation(
        "pb:latest-provider-pacts-with-branch",
        "provider-pacts-branch-latest",
        "Latest pacts for the provider with the given consumer version branch",
        {"provider": PROVIDER, "branch": BRANCH},
    ),
    Relation("pb:pacticipants", "pacticipants", "Pacticipants"),
    Relation("pb:pacticipant", "pacticipant", "Fetch pacticipant by name", {"name": PACTICIPANT}),
    Relation("pb:latest-provider-pacts", "provider-pacts-latest", "Latest pacts by provider", {"provider": PROVIDER}),
    Relation(
        "pb:latest-provider-pacts-with-tag",
        "provider-pacts-latest-tag",
        "Latest pacts for provider with the specified tag",
        {"provider": PROVIDER, "tag": TAG},
    ),
    Relation(
        "pb:provider-pacts-with-tag",
        "provider-pacts-tag",
        "All pact versions for the provider with the specified consumer version tag",
        {"provider": PROVIDER, "tag": TAG},
    ),
    Relation(
        "pb:provider-pacts", "provider-pacts", "All pact versions for the specified provider", {"provider": PROVIDER}
    ),
    Relation("pb:latest-version", "latest-version", "Latest pacticipant version", {"name": PACTICIPANT}),
    Relation(
        "pb:latest-tagged-version",
        "latest-tagged-version",
        "Latest pacticipant version with the specified tag",
        {"name": PACTICIPANT, "tag": TAG},
    ),
    Relation("pb:webhooks", "webhooks", "Webhooks"),
    Relation("pb:webhook", "webhook", "Webhook", {"uuid": Placeholder("uuid")}),
    Relation("pb:integrations", "integrations", "Integrations"),
    Relation(
        "pb:pacticipant-version-tag",
        "version-tag",
        "Get, create or delete a tag for a pacticipant version",
        {"name": PACTICIPANT, "number": VERSION, "tag": TAG},
    ),
    Relation(
        "pb:pacticipant-branch",
        "branch",
        "Get or delete a pacticipant branch",
        {"name": PACTICIPANT, "branch": BRANCH},
    ),
    Relation(
        "pb:pacticipant-branch-version",
        "branch-version",
        "Get or add/create a pacticipant version for a branch",
        {"name": PACTICIPANT, "branch": BRANCH, "number": VERSION},
    ),
    Relation(
        "pb:pacticipant-version",
        "version",
        "Get, create or delete a pacticipant version",
        {"name": PACTICIPANT, "number": VERSION},
    ),
    Relation("pb:metrics", "metrics", "Get Pact Broker metrics"),
    Relation(
        "pb:can-i-deploy-pacticipant-version-to-tag",
        "can-i-deploy",
        "Determine if an application version can be safely deployed to an environment identified by the given tag",
        query="?pacticipant={pacticipant}&version={version}&to={tag}",
    ),
    Relation(
        "pb:can-i-deploy-pacticipant-version-to-environment",
        "can-i-deploy",
        "Determine if an application version can be safely deployed to an environment",
        query="?pacticipant={pacticipant}&version={version}&environment={environment}",
    ),
    Relation(
        "pb:provider-pacts-for-verification",
        "pacts-for-verification",
        "Pact versions to be verified for the specified provider",
        {"provider": PROVIDER},
    ),
    Relation("pb:environments", "environments", "Environments"),
    Relation("pb:environment", "environment", "Environment", {"uuid": Placeholder("uuid")}),
    Relation("accord:verification-runs", "verification-runs", "Server-side verification runs of provider builds"),
    Relation("accord:live-targets", "live-targets", "Live targets: deployed providers that drift monitoring checks"),
    Relation(
        "accord:drift-incidents",
        "drift-incidents",
        "Drift incidents: deployed providers that no longer do what a consumer's pact says",
    ),
    Relation("accord:drift-stats", "drift-stats", "Drift monitoring figures per integration and environment"),
    Relation("accord:secrets", "secrets", "Secrets that webhooks refer to as ${user.NAME} (values never shown)"),
    Relation("accord:accounts", "access-accounts", "Accounts and their bearer tokens (admins)"),
    Relation("accord:teams", "access-teams", "Teams, their members and the applications they own (admins)"),
    Relation("accord:restrictions", "access-restrictions", "Environments only some teams may deploy to (admins)"),
    Relation("accord:audit", "audit", "The audit log: who changed what, when and from where"),
]

# The relations client-wire.md saw the real clients follow.
FOLLOWED = (
    "pb:publish-contracts",
    "pb:provider-pacts-for-verification",
    "pb:latest-provider-pacts",
    "pb:pacticipant",
    "pb:pacticipants",
    "pb:pacticipant-version",
    "pb:latest-version",
    "pb:latest-tagged-version",
    "pb:pacticipant-version-tag",
    "pb:pacticipant-branch-version",
    "pb:pacticipant-branch",
    "pb:environments",
    "pb:webhook",
    "pb:webhooks",
    "pb:latest-pact-versions",
)
INDEX = with_links(hal(), "self", *FOLLOWED)


class IndexApi(BrokerApi):
    """GET /: every relation, with absolute hrefs."""

    @extend_schema(responses={200: INDEX})
    def get(self, request: Request) -> Response:
        links = Links(request)
        body: dict = {"self": {"href": links.route("index"), "title": "Index", "templated": False}}
        for relation in RELATIONS:
            body[relation.rel] = {
                "href": links.route(relation.route, **relation.params) + relation.query,
                "title": relation.title,
                "templated": relation.templated,
            }
        body["beta:provider-pacts-for-verification"] = {
            "name": "beta",
            "href": links.route("pacts-for-verification", provider=PROVIDER),
            "title": "DEPRECATED - please use pb:provider-pacts-for-verification",
            "templated": True,
        }
        docs = links.route("doc", rel=Placeholder("rel")) + "?context=index"
        body["curies"] = [
            {"name": "pb", "href": docs, "templated": True},
            {"name": "beta", "href": docs, "templated": True},
            {"name": "accord", "href": docs, "templated": True},
        ]
        return Response({"_links": body})
