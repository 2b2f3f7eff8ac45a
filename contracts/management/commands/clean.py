"""Delete old versions that no keep selector keeps, now (what beat runs when the clean is on).

    python manage.py clean --dry-run                      # what would go, with the configured selectors
    python manage.py clean --limit 5000
    python manage.py clean --keep '[{"branch": true, "latest": true}, {"maxAge": 30}]'

Without options it uses ACCORD_CLEAN_KEEP_VERSION_SELECTORS, ACCORD_CLEAN_DELETION_LIMIT and
ACCORD_CLEAN_DRY_RUN (or their PACT_BROKER_DATABASE_CLEAN_* names), whether or not the
scheduled clean is enabled. Deployed and released versions and main branch heads are always kept.
"""

from __future__ import annotations

import json
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from contracts.exceptions import InvalidInput
from contracts.services.clean import CleanResult, versions_clean

SHOWN_PACTICIPANTS = 10
KIND_NAMES = {
    "publications": "pacts",
    "contracts": "pact contents",
    "verifications": "verification results",
    "tags": "tags",
    "branchVersions": "branch memberships",
    "deployments": "ended deployments",
    "releases": "ended releases",
}


class Command(BaseCommand):
    help = "Delete old versions (with their pacts, verification results and tags) that no keep selector keeps."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            default=None,
            help="report what would be deleted, delete nothing (default: ACCORD_CLEAN_DRY_RUN)",
        )
        parser.add_argument(
            "--no-dry-run", action="store_false", dest="dry_run", help="delete, whatever ACCORD_CLEAN_DRY_RUN says"
        )
        parser.add_argument(
            "--limit", type=int, default=None, help="the most versions to delete (ACCORD_CLEAN_DELETION_LIMIT)"
        )
        parser.add_argument("--keep", default=None, help="keep selectors as JSON (ACCORD_CLEAN_KEEP_VERSION_SELECTORS)")
        parser.add_argument(
            "--batch-size", type=int, default=None, help="versions per transaction (ACCORD_CLEAN_BATCH_SIZE)"
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **options) -> None:
        keep = None
        if options["keep"] is not None:
            try:
                keep = json.loads(options["keep"])
            except ValueError as exc:
                raise CommandError(f"--keep must be JSON: {exc}") from None
            if isinstance(keep, dict):
                keep = [keep]
            if not isinstance(keep, list):
                raise CommandError("--keep must be a JSON list of keep selectors, e.g. '[{\"maxAge\": 90}]'")
        dry_run = settings.ACCORD_CLEAN_DRY_RUN if options["dry_run"] is None else options["dry_run"]
        progress = self._progress if options["verbosity"] >= 2 and not options["json"] else None
        try:
            result = versions_clean(
                keep=keep, limit=options["limit"], dry_run=dry_run, batch_size=options["batch_size"], on_batch=progress
            )
        except InvalidInput as exc:
            raise CommandError(exc.message) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
        else:
            self._report(result, show_all=options["verbosity"] >= 2)

    def _progress(self, result: CleanResult) -> None:
        sys.stderr.write(f"  batch {result.batches}: {result.deleted.get('versions', 0):,} versions deleted so far\n")

    def _report(self, result: CleanResult, *, show_all: bool) -> None:
        write = self.stdout.write
        if result.status == "already_running":
            write("Clean not performed: another clean is in progress.")
            return
        prefix = "[DRY RUN] " if result.dry_run else ""
        write(f"{prefix}Keeping versions that match any of: {json.dumps(result.keep)}")
        versions = result.deleted.get("versions", 0)
        verb = "Would delete" if result.dry_run else "Deleted"
        write(
            f"{prefix}{verb} {versions:,} of the {result.versions_not_kept:,} versions not kept "
            f"({result.versions_total:,} versions, {result.versions_kept:,} kept), oldest first, "
            f"in {result.seconds:.1f} s" + ("" if result.dry_run else f" ({result.batches} batches)")
        )
        write("  with " + ", ".join(f"{result.deleted.get(kind, 0):,} {name}" for kind, name in KIND_NAMES.items()))
        for entry in result.kept_by_selector:
            write(f"  kept by {json.dumps(entry['selector'])}: {entry['count']:,}")
        shown = sorted(result.by_pacticipant.items(), key=lambda item: -int(item[1]["count"]))  # type: ignore[call-overload]
        for name, summary in shown if show_all else shown[:SHOWN_PACTICIPANTS]:
            oldest, newest = summary["fromVersion"], summary["toVersion"]
            write(f"  {name}: {summary['count']:,} versions, {oldest['number']} .. {newest['number']}")  # type: ignore[index]
        if len(shown) > SHOWN_PACTICIPANTS and not show_all:
            write(f"  ... and {len(shown) - SHOWN_PACTICIPANTS} more pacticipants (-v 2 lists them all)")
        if result.stopped_by == "limit" and versions < result.versions_not_kept:
            write(f"{prefix}More versions are left to delete: run it again, or with a higher --limit.")
        elif result.stopped_by == "time":
            write("Stopped for time; the rest waits for the next run.")
