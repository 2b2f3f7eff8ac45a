"""The texts of the `/doc/{rel}` pages: what each link relation the API advertises leads to.

Keys are relation names without their curie prefix (`pb:publish-pact` -> "publish-pact"),
as a HAL browser expands the curies `/doc/{rel}?context=...` and `/doc/webhooks-{rel}`.
A relation that means something else in one resource has a page keyed (context, rel).
Paths use the placeholders of the advertised templates; names are percent-encoded.
"""

from __future__ import annotations

from contracts.api.doc_pages.index import INDEX_PAGES
from contracts.api.doc_pages.page import DocPage
from contracts.api.doc_pages.resources import RESOURCE_PAGES

PAGES: dict[str, DocPage] = {**INDEX_PAGES, **RESOURCE_PAGES}

# Relations whose meaning depends on the resource linking to them.
CONTEXT_PAGES: dict[tuple[str, str], DocPage] = {
    ("version", "pacticipant"): DocPage(
        "The version's pacticipant",
        "/pacticipants/{pacticipant}",
        "The pacticipant this version belongs to.",
        (("GET", "The pacticipant."),),
    ),
}

# The `context` values resources put in their curies.
CONTEXTS = ("index", "pact", "pacticipant", "version")


def doc_page(rel: str, context: str | None = None) -> DocPage | None:
    """The page for a relation, in the context given when it has one of its own; None if unknown."""
    if context is not None and (context, rel) in CONTEXT_PAGES:
        return CONTEXT_PAGES[(context, rel)]
    return PAGES.get(rel)
