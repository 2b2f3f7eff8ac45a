"""Who is asking, and the one call every write makes: access control and the audit log hang on it.

contracts/ knows nothing of tokens, teams or audit rows, and imports no other app. The web
layer says who makes each request (`acting_as`, from broker's auth middleware), and every
service that changes data calls `write(...)` inside its transaction, naming the action, what
it changes and the applications and environment it is about. Other apps register handlers
from their `AppConfig.ready()`:

    access.register(permissions_check)   # may refuse: raise Forbidden (a 403 naming what is missing)
    access.register(audit_record)        # records the write, in the same transaction

Handlers run in registration order, inside the writing transaction: a refusal rolls the
write back, and an audit row commits exactly when the write does. With no actor (a worker,
a management command, a test calling a service) the write is the system's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import transaction

from contracts.exceptions import BrokerError

SCOPES = ("read", "write", "admin")


class Forbidden(BrokerError):
    """403: the actor may not make this write; the message says which permission is missing."""

    status = 403


@dataclass(frozen=True)
class Actor:
    """Who makes a request, as the audit log names them.

    `kind`: "user" (basic auth or a signed-in session), "token" (a bearer token of a user or
    a system account) or "anonymous" (a broker with no users configured).
    """

    kind: str
    name: str
    token: str = ""  # the token's name, for a token request
    account_id: int | None = None  # the user or system account behind a token
    scopes: frozenset[str] = frozenset(SCOPES)
    ip: str = ""
    request_id: str = ""
    via: str = "api"  # "api" or "ui"


@dataclass(frozen=True)
class Write:
    """One change to the broker's data, as a service makes it.

    `action`: a dotted name, `<object>.<verb>` ("pact.publish", "deployment.record").
    `target`: what it changed, in words a person recognises ("Web 1.0 → Orders").
    `applications`: the pacticipants whose owners must allow it (names).
    `environment`: the environment it records into (deployments, releases), for restrictions.
    `admin`: an administrative write (environments, webhooks, secrets, teams, tokens).
    `details`: extra facts for the audit log; never a secret and never a contract's body.
    """

    action: str
    target: str
    applications: tuple[str, ...] = ()
    environment: str | None = None
    admin: bool = False
    details: Mapping[str, object] = field(default_factory=dict)


Handler = Callable[["Actor | None", Write], None]
_handlers: list[Handler] = []
_actor: ContextVar[Actor | None] = ContextVar("accord_actor", default=None)


def register(handler: Handler) -> None:
    """Call `handler(actor, write)` for every write from now on (idempotent)."""
    if handler not in _handlers:
        _handlers.append(handler)


def registered() -> list[Handler]:
    return list(_handlers)


def current() -> Actor | None:
    """The actor of the request being handled, or None outside a request."""
    return _actor.get()


@contextmanager
def acting_as(actor: Actor | None) -> Iterator[None]:
    """Everything done inside runs on behalf of `actor`."""
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def write(
    action: str,
    target: str,
    *,
    applications: Sequence[str] = (),
    environment: str | None = None,
    admin: bool = False,
    details: Mapping[str, object] | None = None,
) -> None:
    """Announce a write to the handlers (which may refuse it); call it inside the transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"access.write({action!r}) must be called inside the transaction that writes")
    change = Write(
        action=action,
        target=target,
        applications=tuple(dict.fromkeys(applications)),
        environment=environment,
        admin=admin,
        details=dict(details or {}),
    )
    actor = current()
    for handler in _handlers:
        handler(actor, change)
