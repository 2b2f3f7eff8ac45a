"""The "Can I deploy?" page: the CLI's question as a form, answered by the API's own code."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from contracts.exceptions import InvalidSelectors
from ui import matrix_selectors
from ui.matrix_forms import DeployForm
from ui.matrix_selectors import DeployAnswer, DeployQuestion
from ui.paths import broker_url, use_base_path
from ui.views import _page

TEMPLATE = "ui/matrix/can_i_deploy.html"


def _field_of(message: str) -> str:
    """Which form field a matrix validation message is about (the rest go to the form)."""
    if message.startswith("Pacticipant "):
        return "pacticipant"
    if message.startswith("Environment "):
        return "environment"
    return "__all__"


def _not_found(question: DeployQuestion) -> tuple[str, str]:
    """The field and message for a question whose version does not exist."""
    if question.version:
        return "version", f"{question.pacticipant} has no version {question.version}."
    if question.branch:
        return "branch", f"{question.pacticipant} has no version on branch {question.branch}."
    return "latest", f"{question.pacticipant} has no version on its main branch (or no main branch is set)."


def _verdict(answer: DeployAnswer) -> str:
    deployable = answer.summary["deployable"]
    return "yes" if deployable else "no" if deployable is False else "unknown"


@require_safe
def can_i_deploy(request: HttpRequest) -> HttpResponse:
    """GET /ui/can-i-deploy[?pacticipant=&version=|branch=|latest=on&environment=&ignore=]."""
    use_base_path(request)
    options = matrix_selectors.deploy_options()
    context: dict = {"options": options, "broker_url": broker_url(request)}
    if not request.GET:
        context["form"] = DeployForm(None, options=options)
        return _page(request, TEMPLATE, context)
    form = DeployForm(request.GET, options=options)
    context["form"] = form
    if not form.is_valid():
        form.describe_errors()
        return _page(request, TEMPLATE, context, status=400)
    question = form.question()
    try:
        answer = matrix_selectors.deploy_answer(question, request)
    except InvalidSelectors as exc:
        for message in exc.messages:
            form.add_error(_field_of(message), message)
        form.describe_errors()
        return _page(request, TEMPLATE, context, status=400)
    if not answer.version_found:
        form.add_error(*_not_found(question))
        form.describe_errors()
        return _page(request, TEMPLATE, context, status=400)
    context.update(
        {
            "question": question,
            "answer": answer,
            "verdict": _verdict(answer),
            "reasons": answer.summary["reason"].splitlines(),
            "cli": question.cli_command(context["broker_url"]),
            "matrix_query": question.matrix_query_string(),
        }
    )
    return _page(request, TEMPLATE, context)
