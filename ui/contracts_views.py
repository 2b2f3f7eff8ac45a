"""The contract, diff, verification result and verification run pages.

Views validate their query, read through ui.contracts_selectors and shape the pact with
ui.contracts_interactions; they never touch the ORM (.importlinter forbids the models here).
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from contracts.exceptions import NotFound
from ui import contracts_selectors as selectors
from ui.contracts_forms import CompareQuery, VerificationChoice, problems
from ui.contracts_interactions import (
    attach_results,
    describe_results,
    interactions_of,
    mismatch_rows,
    pact_diff,
    pretty,
    test_results_of,
)
from ui.paths import use_base_path
from ui.views import _page, bad_request
from verifier.http import redact_url


def not_found(request: HttpRequest, message: str) -> HttpResponse:
    """A 404 page that says what was not found."""
    return _page(request, "ui/contracts/not_found.html", {"message": message}, status=404)


@require_safe
def contract(request: HttpRequest, provider: str, consumer: str, version: str | None = None) -> HttpResponse:
    """A pact: every interaction as a card, with the results of a chosen verification."""
    use_base_path(request)
    form = VerificationChoice(request.GET, environments=selectors.environment_names())
    if not form.is_valid():
        return bad_request(request, problems(form))
    try:
        publication = selectors.publication_for(provider=provider, consumer=consumer, version=version)
    except NotFound as missing:
        return not_found(request, str(missing))
    document = json.loads(publication.contract.document)
    cards = interactions_of(document)
    provider_version = form.cleaned_data["provider_version"].strip()
    environment = form.cleaned_data["environment"]
    recent = selectors.content_verifications(publication.contract_id)
    if provider_version or environment:
        chosen = selectors.verification_chosen(
            publication=publication, provider_version=provider_version, environment=environment
        )
    else:
        chosen = recent[0] if recent else None  # the newest result of this content
    if chosen is not None:
        attach_results(cards, chosen.test_results)
    counts = {
        "passed": sum(1 for card in cards if card.result and card.result.success),
        "failed": sum(1 for card in cards if card.result and not card.result.success),
    }
    counts["unknown"] = len(cards) - counts["passed"] - counts["failed"] if chosen else len(cards)
    context = {
        "publication": publication,
        "contract": publication.contract,
        "latest": version is None,
        "cards": cards,
        "form": form,
        "chosen": chosen,
        "chosen_has_results": chosen is not None and bool(test_results_of(chosen.test_results)),
        "counts": counts,
        "asked": provider_version or environment,
        "recent": recent,
        "provider_versions": selectors.provider_versions_verifying(publication.contract_id),
        "previous": selectors.previous_distinct_version(publication),
    }
    return _page(request, "ui/contracts/contract.html", context)


@require_safe
def contract_raw(request: HttpRequest, provider: str, consumer: str, version: str) -> HttpResponse:
    """A pact's document, pretty-printed: the contract page's "Raw JSON" loads it when opened
    (htmx: a fragment), and a link opens it whole (JSON). Kept off the page itself, where a
    large pact's text would double the page's weight."""
    use_base_path(request)
    try:
        publication = selectors.publication_for(provider=provider, consumer=consumer, version=version)
    except NotFound as missing:
        return not_found(request, str(missing))
    raw = pretty(json.loads(publication.contract.document))
    if getattr(request, "htmx", False):
        return _page(request, "ui/contracts/_raw.html", {"raw": raw})
    response = HttpResponse(raw, content_type="application/json; charset=utf-8")
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_safe
def compare(request: HttpRequest, provider: str, consumer: str) -> HttpResponse:
    """Two versions of a pact, interaction by interaction (default: the latest against the
    previous distinct one)."""
    use_base_path(request)
    form = CompareQuery(request.GET)
    if not form.is_valid():
        return bad_request(request, problems(form))
    to_version = form.cleaned_data["to"].strip() or None
    try:
        new = selectors.publication_for(provider=provider, consumer=consumer, version=to_version)
        from_version = form.cleaned_data["from"].strip() or selectors.previous_distinct_version(new)
        old = (
            selectors.publication_for(provider=provider, consumer=consumer, version=from_version)
            if from_version
            else None
        )
    except NotFound as missing:
        return not_found(request, str(missing))
    diffs = pact_diff(json.loads(old.contract.document), json.loads(new.contract.document)) if old else []
    shown = [diff for diff in diffs if diff.status != "unchanged"]
    unchanged = [diff for diff in diffs if diff.status == "unchanged"]
    counts = {status: sum(1 for d in diffs if d.status == status) for status in ("removed", "changed", "added")}
    context = {
        "provider": new.provider.name,
        "consumer": new.consumer.name,
        "old": old,
        "new": new,
        "form": form,
        "from_version": old.consumer_version.number if old else "",
        "to_version": new.consumer_version.number,
        "versions": selectors.pair_versions(new),
        "shown": shown,
        "unchanged": unchanged,
        "counts": counts,
        "same_content": old is not None and old.contract_id == new.contract_id,
    }
    return _page(request, "ui/contracts/compare.html", context)


@require_safe
def verification_result(request: HttpRequest, number: str) -> HttpResponse:
    """A verification result: who verified what, and each interaction's outcome."""
    use_base_path(request)
    try:
        detail = selectors.verification_detail(number)
    except NotFound as missing:
        return not_found(request, str(missing))
    verification = detail.verification
    results = describe_results(test_results_of(verification.test_results), json.loads(verification.contract.document))
    verified_by = verification.verified_by if isinstance(verification.verified_by, dict) else {}
    # Only a web URL becomes a link (a `javascript:` one from a verifier never does).
    build_url = verification.build_url or ""
    context = {
        "v": verification,
        "contract": verification.contract,
        "branches": detail.branches,
        "consumer_version": detail.consumer_version,
        "results": results,
        "failed": sum(1 for result in results if not result.success),
        "implementation": verified_by.get("implementation"),
        "implementation_version": verified_by.get("version"),
        "build_url": build_url if build_url.startswith(("http://", "https://")) else None,
    }
    return _page(request, "ui/contracts/verification_result.html", context)


@require_safe
def verification_run(request: HttpRequest, uuid: str) -> HttpResponse:
    """A verification run of a provider build: its status, pacts and per-interaction outcomes."""
    use_base_path(request)
    try:
        detail = selectors.run_detail(uuid)
    except NotFound as missing:
        return not_found(request, str(missing))
    pacts = [
        {
            "run_pact": run_pact,
            "consumer_version": detail.consumer_versions.get(run_pact.contract_id),
            "interactions": [
                {"item": item, "mismatches": mismatch_rows(item.mismatches)} for item in run_pact.interactions.all()
            ],
        }
        for run_pact in detail.pacts
    ]
    # The base URL without credentials, as the API shows it; the stored log is redacted already.
    context = {"run": detail.run, "pacts": pacts, "base_url": redact_url(detail.run.base_url)}
    return _page(request, "ui/contracts/verification_run.html", context)
