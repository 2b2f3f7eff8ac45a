"""Advice that other apps add to matrix and can-i-deploy answers, never changing them.

contracts/ answers "can I deploy?" from contracts and verification results alone, and
imports no other app. Other apps know things worth saying beside that answer (drift
monitoring: "the provider deployed in production no longer does what this pact says"),
so they register an advisor from their `AppConfig.ready()`, like the metrics registry:

    advisories.register(drift_notices)

An advisor is called as `advisor(pairs, environment, base_url)`:
- `pairs`: the consumer/provider pairs the question is about (`Integration`s of the
  matrix resolution: ids and names, so no pacticipant has to be loaded again);
- `environment`: the name of the environment the question is about, or None when it
  names none (a tag, the main branch, or versions against each other);
- `base_url`: what links in the notices start with;
and returns notices `{"type": "warning", "text": ...}`. The view appends them to
`notices` after rendering: `decide()` never sees them, so `summary.deployable`, the
reason and both CLIs' exit codes cannot change because of them. An advisor should cost
at most one query, and none when there are no pairs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import InterfaceError, OperationalError

from contracts.matrix.query import MatrixQuery
from contracts.matrix.types import Integration, Resolution

NOTICE_TYPES = ("debug", "info", "warning", "prompt", "success", "error", "danger")

logger = logging.getLogger("accord.advisories")
Advisor = Callable[[Sequence[Integration], str | None, str], list[dict]]
_advisors: list[Advisor] = []


def register(advisor: Advisor) -> None:
    """Call `advisor` for every matrix and can-i-deploy question from now on (idempotent)."""
    if advisor not in _advisors:
        _advisors.append(advisor)


def registered() -> list[Advisor]:
    """The registered advisors, in registration order."""
    return list(_advisors)


@dataclass(frozen=True)
class Question:
    """What a matrix / can-i-deploy question is about, as advisors see it."""

    pairs: tuple[Integration, ...]
    environments: tuple[str | None, ...]
    base_url: str


def question_of(query: MatrixQuery, resolution: Resolution, base_url: str) -> Question:
    """The pairs of a resolved question and the environment(s) it names.

    The target environment (`environment=`) and any environment a selector names
    (`q[][environment]=`) count; most questions name one, or none (then None).
    """
    named = [query.environment, *(selector.spec.environment for selector in resolution.selectors)]
    environments = tuple(dict.fromkeys(name for name in named if name)) or (None,)
    return Question(pairs=tuple(resolution.integrations), environments=environments, base_url=base_url)


def notices(question: Question) -> list[dict]:
    """Every advisor's notices for the question, in registration order.

    Advice must not cost the answer: an advisor that fails, or returns something that is
    not a notice, is logged and left out, and the release pipeline still gets its verdict.
    A database outage is not swallowed: it is answered as one (503) like anywhere else.
    """
    found: list[dict] = []
    for advisor in _advisors:
        for environment in question.environments:
            try:
                given = list(advisor(question.pairs, environment, question.base_url) or ())
            except (OperationalError, InterfaceError):
                raise
            except Exception:
                logger.exception("advisor %s failed; its notices are left out", _name(advisor))
                continue
            for notice in given:
                if not _is_notice(notice):
                    logger.error("advisor %s returned a malformed notice, left out: %r", _name(advisor), notice)
                    continue
                found.append({"type": notice["type"], "text": notice["text"]})
    return found


def _is_notice(notice: object) -> bool:
    return isinstance(notice, dict) and notice.get("type") in NOTICE_TYPES and isinstance(notice.get("text"), str)


def _name(advisor: Advisor) -> str:
    return f"{getattr(advisor, '__module__', '?')}.{getattr(advisor, '__qualname__', repr(advisor))}"
