"""``manage.py import_archive FILE [--json] [--batch-size N] [--one-by-one]``: bring in an archive of published translations.

FILE is a JSON list of stories (``-`` reads stdin); the record format and the choices made
are in :mod:`translations.archive`. Stories are imported in batches, one transaction per
batch (a crash loses at most the batch being written), and a progress line goes to stderr
after each batch. Importing is idempotent on the normalised ``source_url``: a second run skips
what the first stored, so a run stopped half-way resumes where it stopped.

Each batch's good records are stored together (the bulk path: a few statements per table,
rendered once); if that fails, the batch is rolled back to its start and imported one story at
a time (one savepoint per story), so a bad story is reported and skipped, never half-stored.
``--one-by-one`` always takes the second way (slower; the two give the same rows).

With ``--json`` stdout is exactly one JSON line
``{"imported": N, "skipped": M, "failed": [{"index", "source_url", "error"}, …]}``.
An unreadable file exits with status 1 and one line on stderr.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from newsroom.site.rendering import owner as rendering
from translations.archive import ArchiveImporter, ArchiveRecordError, ArchiveStory, archive_record_parse

logger = logging.getLogger(__name__)


def one_line(message: object) -> str:
    return " ".join(str(message).split()) or "failed"


class Command(BaseCommand):
    help = "Import already published translations from a JSON archive (see translations/archive.py)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a JSON list of stories, or - for stdin")
        parser.add_argument("--json", action="store_true", help="print the result as one JSON line")
        parser.add_argument("--batch-size", type=int, default=500, help="stories per transaction (default 500)")
        parser.add_argument(
            "--one-by-one", action="store_true", help="publish each story alone (the slower path, for comparison)"
        )

    def fail(self, message: object) -> NoReturn:
        self.stderr.write(one_line(message), style_func=lambda s: s)
        raise SystemExit(1)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["file"] == "-":
                records = json.load(sys.stdin)
            else:
                with open(options["file"], encoding="utf-8") as fh:
                    records = json.load(fh)
        except (OSError, ValueError) as exc:
            self.fail(f"Cannot read the archive: {exc}")
        if not isinstance(records, list):
            self.fail("Cannot read the archive: it must be a JSON list of stories.")
        batch_size = max(1, options["batch_size"])
        importer = ArchiveImporter()
        imported, skipped = 0, 0
        failed: list[dict[str, Any]] = []
        started = time.monotonic()
        for start in range(0, len(records), batch_size):
            # One transaction per batch; the related lists it changes are written, the story pages
            # it touches rendered and the site cache told once, at its end.
            with transaction.atomic(), rendering.batch():
                importer.known_urls_load(records[start : start + batch_size])
                parsed: list[tuple[int, Any, ArchiveStory]] = []
                for index in range(start, min(start + batch_size, len(records))):
                    record = records[index]
                    url = record.get("source_url") if isinstance(record, dict) else None
                    try:
                        parsed.append((index, url, archive_record_parse(record)))
                    except ArchiveRecordError as exc:
                        failed.append({"index": index, "source_url": url, "error": one_line(exc)})
                if not options["one_by_one"] and parsed:
                    try:
                        stored, repeated = importer.stories_import_bulk([story for _i, _u, story in parsed])
                        imported, skipped, parsed = imported + stored, skipped + repeated, []
                    except Exception:  # nothing was written: one by one names the story at fault
                        logger.warning("import_archive: the batch at %s is imported one by one", start, exc_info=True)
                for index, url, story in parsed:
                    try:
                        if importer.story_import(story):
                            imported += 1
                        else:
                            skipped += 1
                    except Exception as exc:  # a bad record must not stop the archive
                        failed.append(
                            {"index": index, "source_url": url, "error": one_line(f"{exc.__class__.__name__}: {exc}")}
                        )
            failed.sort(key=lambda failure: int(failure["index"]))
            done = min(start + batch_size, len(records))
            self.stderr.write(
                f"import_archive: {done}/{len(records)} stories in {time.monotonic() - started:.0f} s "
                f"(imported {imported}, skipped {skipped}, failed {len(failed)})",
                style_func=lambda s: s,
            )
        result = {"imported": imported, "skipped": skipped, "failed": failed}
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            self.stdout.write(f"Imported {imported}, skipped {skipped}, failed {len(failed)}.")
            for failure in failed:
                self.stdout.write(f"  story {failure['index']} ({failure['source_url']}): {failure['error']}")
