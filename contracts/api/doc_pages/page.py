"""The shape of a /doc page, and phrases several pages share."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DocPage:
    """One relation: where it leads, what each method does there, and anything to know."""

    title: str
    path: str
    summary: str
    methods: tuple[tuple[str, str], ...] = ()
    # (anchor, heading, text): sections other pages and error messages link to.
    sections: tuple[tuple[str, str, str], ...] = ()


PAIR = "/pacts/provider/{provider}/consumer/{consumer}"
VERSION = "/pacticipants/{pacticipant}/versions/{version}"
PACT_LIST = (
    "The body embeds one entry per pact (`_embedded.pacts`, newest consumer version first) with the "
    "consumer version's number and the pact's URL, and links to the consumer and the provider."
)
PROVIDER_PACTS = (
    "The body lists the pacts as `pb:pacts` links (the deprecated `pacts` array repeats them for old "
    "verifiers), each titled with the consumer and its version."
)
