"""Domain events: facts contracts/ owns, raised inside the transaction that records them.

contracts/ raises; other apps react. A subscriber registers for an event type from its
own app's `AppConfig.ready()` (webhooks queue deliveries, verifier starts runs on
registered targets, later the audit log and live checks), so contracts/ imports none of
them and the dependency points one way.

Subscribers run synchronously, in registration order, inside the writer's transaction:
whatever they record (an outbox row, a queued run) commits or rolls back with the fact
itself, and an exception in a subscriber rolls the fact back too. They must therefore be
quick and must not do I/O beyond the database; anything slow goes to a Celery task queued
on commit.

A subscriber may return notices (`Notice`) for the person who made the change: the
publish answer shows them in the CI log ("Webhook ... triggered", "Next steps: ...").
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, TypeVar

from django.conf import settings
from django.db import transaction

from contracts.selectors.requiring_verification import versions_requiring_verification

if TYPE_CHECKING:
    from contracts.models import (
        ContractPublication,
        DeployedVersion,
        Pacticipant,
        ReleasedVersion,
        Verification,
        Version,
    )

E = TypeVar("E", bound="Event")


@dataclass(frozen=True)
class Notice:
    """A line for the person who made the change (publish answers print them).

    `fallback` notices are shown only when no subscriber had anything else to say about
    the same change ("No enabled webhooks found for the detected events"); `next_step`
    notices go in the "Next steps" block. Identical notices are shown once.
    """

    type: str  # debug | info | warning | prompt | success | error
    text: str
    fallback: bool = False
    next_step: bool = False


class Event:
    """Base class of every domain event. `name` is the Pact Broker's event name, where it has one."""

    name: ClassVar[str]


Subscriber = Callable[[E], Iterable[Notice] | None]
_subscribers: dict[type[Event], list[Callable]] = {}


def subscribe(event_type: type[E], handler: Subscriber) -> None:
    """Call `handler(event)` for every `event_type` raised from now on (idempotent)."""
    handlers = _subscribers.setdefault(event_type, [])
    if handler not in handlers:
        handlers.append(handler)


def subscribers(event_type: type[Event]) -> list[Callable]:
    """The handlers registered for an event type, in the order they run."""
    return list(_subscribers.get(event_type, ()))


def emit(event: Event) -> list[Notice]:
    """Run every subscriber of the event now, in the caller's transaction; their notices."""
    # Outside a transaction the fact could commit while what the subscribers record is
    # lost (or the reverse): refuse rather than silently break the outbox guarantee.
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{type(event).__name__} must be raised inside the transaction that records it")
    notices: list[Notice] = []
    for handler in subscribers(type(event)):
        notices.extend(handler(event) or ())
    return notices


def default_base_url() -> str:
    """The public base URL for links in events raised outside a request (workers)."""
    return settings.ACCORD_BASE_URLS[0] if settings.ACCORD_BASE_URLS else "http://127.0.0.1:9292"


# ---------------------------------------------------------------------- contract events


@dataclass(frozen=True, eq=False)
class PublicationEvent(Event):
    """Something happened to a consumer version's pact for a provider."""

    publication: ContractPublication
    base_url: str | None = None
    build_url: str | None = None

    @property
    def links_base(self) -> str:
        return (self.base_url or default_base_url()).rstrip("/")


@dataclass(frozen=True, eq=False)
class ContractPublished(PublicationEvent):
    """A pact was published (new, republished unchanged, merged or overwritten)."""

    name: ClassVar[str] = "contract_published"


@dataclass(frozen=True, eq=False)
class ContractContentChanged(PublicationEvent):
    """A published pact differs from the previous one for the same tags (the Pact Broker's rule)."""

    name: ClassVar[str] = "contract_content_changed"


@dataclass(frozen=True, eq=False)
class ContractRequiringVerificationPublished(PublicationEvent):
    """A pact was published that provider versions which matter have not verified yet.

    `provider_versions` (the provider's main-branch head, deployed and released versions
    that have no result for this content, each with a description such as "deployed in
    production") costs queries, so it is computed on first use: only subscribers that
    need it pay for it.
    """

    name: ClassVar[str] = "contract_requiring_verification_published"

    @functools.cached_property
    def provider_versions(self) -> list[tuple[Version, str]]:
        return versions_requiring_verification(self.publication)


# ------------------------------------------------------------------ verification events


@dataclass(frozen=True, eq=False)
class VerificationPublished(Event):
    """A verification result was recorded, by a client or by Accord's own workers.

    `consumer_versions` are the consumer versions the result reports to (from the pact
    URL's metadata); `[None]` means the newest publication of the content stands for all.
    """

    name: ClassVar[str] = "provider_verification_published"

    verification: Verification
    consumer_versions: tuple[Version | None, ...] = (None,)
    base_url: str | None = None

    @property
    def links_base(self) -> str:
        return (self.base_url or default_base_url()).rstrip("/")


# ---------------------------------------------------------------------- integrations


@dataclass(frozen=True, eq=False)
class IntegrationDeleted(Event):
    """A consumer/provider pair's contract data was deleted (DELETE /integrations/provider/P/consumer/C).

    Raised before the pair's rows go, so subscribers can still read what they need.
    """

    name: ClassVar[str] = "integration_deleted"

    consumer: Pacticipant
    provider: Pacticipant


# -------------------------------------------------------------------- release events


@dataclass(frozen=True, eq=False)
class DeploymentRecorded(Event):
    """A version was recorded as deployed to an environment (and instance)."""

    name: ClassVar[str] = "deployment_recorded"

    deployed_version: DeployedVersion


@dataclass(frozen=True, eq=False)
class DeploymentEnded(Event):
    """A deployed version was recorded as no longer deployed."""

    name: ClassVar[str] = "deployment_ended"

    deployed_version: DeployedVersion


@dataclass(frozen=True, eq=False)
class ReleaseRecorded(Event):
    """A version was recorded as released to an environment (or supported again)."""

    name: ClassVar[str] = "release_recorded"

    released_version: ReleasedVersion


@dataclass(frozen=True, eq=False)
class ReleaseSupportEnded(Event):
    """A released version is no longer supported."""

    name: ClassVar[str] = "release_support_ended"

    released_version: ReleasedVersion
