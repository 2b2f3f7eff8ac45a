"""How refusals and records name who acted (no database access)."""

from __future__ import annotations

from contracts.access import Actor


def who(actor: Actor | None) -> str:
    """The actor as a refusal names it: "token 'ci' of account 'payments-pipeline'"."""
    if actor is None:
        return "the system"
    if actor.kind == "token":
        return f"token '{actor.token}' of account '{actor.name}'"
    if actor.kind == "user":
        return f"user '{actor.name}'"
    return "an anonymous request"


def label(actor: Actor | None) -> str:
    """The actor as a stored record names it ("payments-pipeline (token ci)", "admin", "system")."""
    if actor is None:
        return "system"
    if actor.kind == "token":
        return f"{actor.name} (token {actor.token})"
    return actor.name
