"""can-i-deploy for the UI, answered by the very code that answers the CLI.

A question from the form is written as the query string the `pact broker can-i-deploy`
CLI sends to `GET /matrix` (/work/shared/docs/client-wire.md, Ruby's spelling), then
parsed and evaluated exactly as contracts.api.matrix.MatrixApi does it: parse_matrix_query,
matrix_evaluate, render_matrix, with the advisories appended. The page's verdict, reason
and notices are the API body's own `summary` and `notices`, so the UI and the CLI cannot
disagree; the same string links to the answer as JSON.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.http import HttpRequest

from contracts import advisories
from contracts.api.links import Links
from contracts.api.matrix_render import render_matrix
from contracts.matrix.details import VersionDetails
from contracts.matrix.pipeline import MatrixResult, matrix_evaluate
from contracts.matrix.query import parse_matrix_query
from contracts.matrix.types import Row
from contracts.models import Environment, Pacticipant

# A datalist of names stays useful (and the page light) up to this many applications;
# beyond it the field is still a free text box, validated by the matrix itself.
NAME_LIMIT = 1000


@dataclass(frozen=True)
class DeployQuestion:
    """One can-i-deploy question, as the CLI's options name it."""

    pacticipant: str
    environment: str
    version: str = ""
    branch: str = ""
    main_branch: bool = False
    ignore: tuple[str, ...] = ()

    def matrix_query_string(self) -> str:
        """What `pact broker can-i-deploy` sends to GET /matrix for this question."""
        params: list[tuple[str, str]] = [("q[][pacticipant]", self.pacticipant)]
        if self.version:
            params.append(("q[][version]", self.version))
        elif self.branch:
            params += [("q[][branch]", self.branch), ("q[][latest]", "true")]
        else:
            params += [("q[][mainBranch]", "true"), ("q[][latest]", "true")]
        params += [("latestby", "cvp"), ("environment", self.environment)]
        params += [("ignore[][pacticipant]", name) for name in self.ignore]
        return urlencode(params)

    def cli_command(self, broker_url: str) -> str:
        """The same question for the command line."""
        words = ["pact broker can-i-deploy", "--pacticipant", _shell(self.pacticipant)]
        if self.version:
            words += ["--version", _shell(self.version)]
        elif self.branch:
            words += ["--branch", _shell(self.branch)]
        else:
            words.append("--main-branch")
        words += ["--to-environment", _shell(self.environment)]
        for name in self.ignore:
            words += ["--ignore", _shell(name)]
        words += ["--broker-base-url", broker_url]
        return " ".join(words)


def _shell(word: str) -> str:
    """Quote a word for a POSIX shell only when it needs it (names are usually plain)."""
    return shlex.quote(word)


@dataclass
class DeployAnswer:
    """The API's summary and notices, and the rows behind them with their versions' details."""

    summary: dict
    notices: list[dict]  # the API's: the decision's reasons as notices, then the advice
    advice: list[dict]  # other apps' notices (drift monitoring), never part of the verdict
    rows: list[Row]
    ignored_rows: list[Row]
    details: dict[int, VersionDetails]
    version_found: bool
    # The version the question picked, by number (None when nothing matched).
    version_number: str | None = None
    problems: list[str] = field(default_factory=list)


def deploy_answer(question: DeployQuestion, request: HttpRequest) -> DeployAnswer:
    """Answer the question as GET /matrix answers the CLI (InvalidSelectors for unknown names)."""
    result: MatrixResult = matrix_evaluate(parse_matrix_query(question.matrix_query_string()))
    links = Links(request)
    advice = advisories.notices(advisories.question_of(result.query, result.resolution, links.base))
    body = render_matrix(links, result.decision, result.details, advice=advice)
    specified = result.resolution.specified
    return DeployAnswer(
        summary=body["summary"],
        notices=body["notices"],
        advice=advice,
        rows=list(result.decision.considered),
        ignored_rows=list(result.decision.ignored),
        details=result.details,
        version_found=all(selector.exists for selector in specified),
        version_number=next((s.version_number for s in specified if s.version_number), None),
    )


def deploy_verdict(question: DeployQuestion) -> tuple[bool | None, str]:
    """Only the verdict and the reason (the application page's per-environment answer):
    the same evaluation, without the rows' rendering or the advice."""
    result = matrix_evaluate(parse_matrix_query(question.matrix_query_string()))
    reason = "\n".join(reason.text for reason in result.decision.reasons)
    return result.decision.deployable, reason


@dataclass(frozen=True)
class DeployOptions:
    """What the form offers: application names (bounded) and every environment name."""

    pacticipants: list[str]
    environments: list[str]


def deploy_options() -> DeployOptions:
    names = list(Pacticipant.objects.order_by("name").values_list("name", flat=True)[:NAME_LIMIT])
    environments = list(Environment.objects.order_by("name").values_list("name", flat=True))
    return DeployOptions(names, environments)
