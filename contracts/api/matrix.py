"""API views: the matrix and can-i-deploy (routes in urlpatterns at the bottom).

Both CLIs call `GET /matrix` for can-i-deploy and can-i-merge; `/can-i-deploy` and the
path-based variants are conveniences that build the same kind of query.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from contracts import advisories
from contracts.api.base import BrokerApi
from contracts.api.links import Links
from contracts.api.matrix_render import MATRIX, render_matrix
from contracts.exceptions import InvalidSelectors, NotFound
from contracts.matrix.pipeline import MatrixResult, matrix_evaluate
from contracts.matrix.query import (
    LATESTBY,
    MAX_LIMIT,
    MatrixQuery,
    SelectorSpec,
    ignore_problems,
    ignore_specs,
    parse_matrix_query,
    parse_params,
)
from contracts.selectors.pacticipants import first_missing_pacticipant

# ---------------------------------------------------------------- query parameters
# Rack nested parameters, parsed from the raw query string by contracts/matrix/query.py
# (their order matters, which a serializer over a QueryDict cannot see): described here.


def _parameter(name: str, schema: dict | type, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, schema, OpenApiParameter.QUERY, description=description)


def _repeated(name: str, description: str, items: dict | None = None) -> OpenApiParameter:
    schema = {"type": "array", "items": items or {"type": "string"}}
    return OpenApiParameter(name, schema, OpenApiParameter.QUERY, explode=True, description=description)


_FLAG = {"type": "string", "enum": ["true", "false"]}
SELECTOR_PARAMETERS = [
    _repeated(
        "q[][pacticipant]",
        "A selector's pacticipant. Selectors are read in order: a key the current selector already has starts "
        "the next one (q[N][...] numbers them instead)",
    ),
    _repeated("q[][version]", "A selector's version number"),
    _repeated("q[][branch]", "A selector's branch (its latest version with latest=true)"),
    _repeated("q[][tag]", "A selector's tag (its latest version with latest=true)"),
    _repeated("q[][latest]", "The selector means the latest version (of its branch or tag)", _FLAG),
    _repeated("q[][environment]", "A selector's versions in this environment"),
    _repeated("q[][mainBranch]", "The selector means the pacticipant's main branch", _FLAG),
]
IGNORE_PARAMETERS = [
    _repeated("ignore[][pacticipant]", "A pacticipant whose verifications do not count"),
    _repeated("ignore[][version]", "The version of the ignored pacticipant before it (all versions if none)"),
    _repeated("ignore[]", "A pacticipant to ignore, by name"),
]
OPTION_PARAMETERS = [
    _parameter(
        "latestby",
        {"type": "string", "enum": list(LATESTBY)},
        "Only the latest rows: per consumer version and provider version (cvpv), per consumer version and "
        "provider (cvp) or per consumer and provider (cp)",
    ),
    _parameter("latest", _FLAG, "Against the latest versions of the other pacticipants (with `tag`: with that tag)"),
    _parameter("tag", str, "Against the latest versions of the other pacticipants with this tag"),
    _parameter("environment", str, "Against the versions of the other pacticipants in this environment"),
    _parameter("mainBranch", _FLAG, "Against the latest versions of the other pacticipants' main branches"),
    *IGNORE_PARAMETERS,
    _repeated("success[]", "Only rows whose verification succeeded (true), failed (false) or is missing (empty)"),
    _parameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}, "At most this many rows"),
]
CAN_I_DEPLOY_PARAMETERS = [
    _parameter("pacticipant", str, "The pacticipant to deploy"),
    _parameter("version", str, "The version to deploy"),
    _parameter("environment", str, "The environment to deploy to (or `to`)"),
    _parameter("to", str, "The tag to deploy to (or `environment`)"),
    *IGNORE_PARAMETERS,
]


def _answer(request: Request, result: MatrixResult) -> Response:
    """The rendered answer, with other apps' advice (drift monitoring) after the decision's
    own notices: advice is added once the decision is made, so it can never change it."""
    links = Links(request)
    advice = advisories.notices(advisories.question_of(result.query, result.resolution, links.base))
    return Response(render_matrix(links, result.decision, result.details, advice=advice))


def _query_string(request: Request) -> str:
    # The raw string, not request.GET: the order of q[][...] keys decides which selector
    # each value belongs to, and a QueryDict loses the order across keys.
    return request.META.get("QUERY_STRING", "")


def _evaluate_path_query(query: MatrixQuery, missing: str) -> MatrixResult:
    """For the path-based variants: unknown names and missing versions are 404s."""
    try:
        result = matrix_evaluate(query)
    except InvalidSelectors as exc:
        raise NotFound("; ".join(exc.messages)) from None
    if not all(selector.exists for selector in result.resolution.specified):
        raise NotFound(missing)
    return result


class MatrixApi(BrokerApi):
    """GET /matrix: rows and the can-i-deploy verdict for `q[]` selectors and options."""

    @extend_schema(parameters=SELECTOR_PARAMETERS + OPTION_PARAMETERS, responses={200: MATRIX})
    def get(self, request: Request) -> Response:
        return _answer(request, matrix_evaluate(parse_matrix_query(_query_string(request))))


class MatrixForIntegrationApi(BrokerApi):
    """GET /matrix/provider/{P}/consumer/{C}: every version pair of one integration."""

    @extend_schema(parameters=OPTION_PARAMETERS, responses={200: MATRIX})
    def get(self, request: Request, provider: str, consumer: str) -> Response:
        missing = first_missing_pacticipant(consumer, provider)
        if missing is not None:
            raise NotFound(f"Pacticipant {missing} not found")
        selectors = [SelectorSpec(pacticipant=consumer), SelectorSpec(pacticipant=provider)]
        return _answer(request, matrix_evaluate(parse_matrix_query(_query_string(request), selectors=selectors)))


class CanIDeployApi(BrokerApi):
    """GET /can-i-deploy?pacticipant=P&version=V&(environment=E|to=TAG)[&ignore[]=NAME]."""

    @extend_schema(parameters=CAN_I_DEPLOY_PARAMETERS, responses={200: MATRIX})
    def get(self, request: Request) -> Response:
        params = parse_params(_query_string(request))
        get = params.scalars.get
        pacticipant, version = get("pacticipant") or None, get("version") or None
        to, environment = get("to") or None, get("environment") or None
        problems = list(params.problems)
        if not pacticipant:
            problems.append("Please specify the pacticipant to deploy (pacticipant=NAME)")
        if not version:
            problems.append("Please specify the version to deploy (version=NUMBER)")
        if not to and not environment:
            problems.append("You must specify the environment (environment=NAME) or the tag (to=TAG) to deploy to")
        if to and environment:
            problems.append("Cannot specify both an environment and a tag (to); choose one")
        ignores, ignore_given = ignore_specs(params)
        problems += ignore_problems(ignores)
        if problems:
            raise InvalidSelectors(problems)
        query = MatrixQuery(
            selectors=(SelectorSpec(pacticipant=pacticipant, version=version),),
            ignore=tuple(ignores),
            ignore_given=ignore_given,
            # A tag target means "the latest version with that tag": cvp is enough there.
            # An environment may hold several live versions: each must be checked (cvpv).
            latestby="cvp" if to else "cvpv",
            latest=bool(to),
            tag=to,
            environment=environment,
        )
        return _answer(request, matrix_evaluate(query))


def tag_to_tag_query(pacticipant: str, tag: str, to_tag: str) -> MatrixQuery:
    """The latest version of P with `tag`, against the latest versions with `to_tag`."""
    return MatrixQuery(
        selectors=(SelectorSpec(pacticipant=pacticipant, tag=tag, latest=True),),
        latestby="cvp",
        latest=True,
        tag=to_tag,
    )


def branch_to_environment_query(pacticipant: str, branch: str, environment: str) -> MatrixQuery:
    """The head of P's branch, against everything live in the environment."""
    return MatrixQuery(
        selectors=(SelectorSpec(pacticipant=pacticipant, branch=branch, latest=True),),
        latestby="cvpv",
        environment=environment,
    )


class CanIDeployTagToTagApi(BrokerApi):
    """GET /pacticipants/{P}/latest-version/{tag}/can-i-deploy/to/{toTag}."""

    @extend_schema(responses={200: MATRIX})
    def get(self, request: Request, pacticipant: str, tag: str, to_tag: str) -> Response:
        result = _evaluate_path_query(
            tag_to_tag_query(pacticipant, tag, to_tag), f"No version of {pacticipant} found with tag {tag}"
        )
        return _answer(request, result)


class CanIDeployBranchToEnvironmentApi(BrokerApi):
    """GET /pacticipants/{P}/branches/{b}/latest-version/can-i-deploy/to-environment/{env}."""

    @extend_schema(responses={200: MATRIX})
    def get(self, request: Request, pacticipant: str, branch: str, environment: str) -> Response:
        result = _evaluate_path_query(
            branch_to_environment_query(pacticipant, branch, environment),
            f"No version of {pacticipant} found on branch {branch}",
        )
        return _answer(request, result)


urlpatterns = [
    path("matrix", MatrixApi.as_view(), name="matrix"),
    path(
        "matrix/provider/<seg:provider>/consumer/<seg:consumer>",
        MatrixForIntegrationApi.as_view(),
        name="matrix-integration",
    ),
    path("can-i-deploy", CanIDeployApi.as_view(), name="can-i-deploy"),
    path(
        "pacticipants/<seg:pacticipant>/latest-version/<seg:tag>/can-i-deploy/to/<seg:to_tag>",
        CanIDeployTagToTagApi.as_view(),
        name="can-i-deploy-tag-to-tag",
    ),
    path(
        "pacticipants/<seg:pacticipant>/branches/<seg:branch>/latest-version/can-i-deploy/to-environment/"
        "<seg:environment>",
        CanIDeployBranchToEnvironmentApi.as_view(),
        name="can-i-deploy-branch-to-environment",
    ),
]
