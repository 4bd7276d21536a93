"""`nordwire stream` on a local runner: poll feeds in cycles, land raw bodies, process what is new, commit.

A cycle: fetch every due feed concurrently (conditional GET) -> store each new body in the
raw store and record it as pending -> parse and identify every pending body -> keep items
whose article_id was never committed -> run the batch stages on DirectRunner over them and
write -> commit (pending done, ids seen, validators and health) in one transaction.
Killed anywhere, the next start re-processes what is pending; the sink skips rows already
written, so nothing is lost and nothing is written twice.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import apache_beam as beam
import yaml
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions
from nordwire.pipeline.graph.batch import process_items
from nordwire.pipeline.graph.stages import error_reject
from nordwire.pipeline.io.fetch import Fetcher, FetchResult
from nordwire.pipeline.io.sink import WriteTables, output_lock, write_atomically, written_counts
from nordwire.pipeline.poller.state import FeedUpdate, PendingRaw, StreamState
from nordwire.pipeline.runner import breakdown, local_runner
from nordwire.schemas.items import Item, RawDocument
from nordwire.schemas.rejects import Reject
from nordwire.transforms.identity import assign_id
from nordwire.transforms.parse import parse_document

MAX_BACKOFF = timedelta(hours=1)
MAX_RETRY_AFTER = timedelta(hours=6)
FETCH_WORKERS = 8


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed to poll."""

    name: str
    url: str


class FeedsError(ValueError):
    """The feeds list cannot be used."""


def _check_url(url: str, where: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FeedsError(f"{where}: {url!r} is not an http(s) URL")
    return url


def load_feeds(specs: list[str]) -> list[Feed]:
    """Feeds from URLs and YAML files (`feeds: [{name, url}, ...]`), duplicates dropped."""
    feeds: dict[str, Feed] = {}
    for spec in specs:
        if "://" in spec:
            url = _check_url(spec, "--feeds")
            feeds.setdefault(url, Feed(urlsplit(url).hostname or url, url))
            continue
        path = Path(spec)
        if not path.is_file():
            raise FeedsError(f"--feeds {spec!r} is neither a URL nor a file")
        try:
            data = yaml.safe_load(path.read_text("utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise FeedsError(f"{spec}: not valid YAML ({str(exc).splitlines()[0]})") from exc
        entries = data.get("feeds") if isinstance(data, dict) else None
        if not isinstance(entries, list) or not entries:
            raise FeedsError(f"{spec}: expected `feeds:` with a list of {{name, url}}")
        for i, entry in enumerate(entries, 1):
            if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
                raise FeedsError(f"{spec}: feed {i} has no url")
            url = _check_url(entry["url"].strip(), f"{spec}: feed {i}")
            feeds.setdefault(url, Feed(str(entry.get("name") or urlsplit(url).hostname), url))
    if not feeds:
        raise FeedsError("no feeds given")
    return list(feeds.values())


def land_raw(output: str, result: FetchResult) -> str:
    """Store a fetched body, gzip-compressed and named by its SHA-256, with a JSON sidecar."""
    assert result.body is not None
    digest = hashlib.sha256(result.body).hexdigest()
    folder = FileSystems.join(output, "_raw", result.fetched_at.date().isoformat())
    path = FileSystems.join(folder, f"{digest}.feed.gz")
    meta = {
        "url": result.url,
        "final_url": result.final_url,
        "fetched_at": result.fetched_at.isoformat(),
        "status": result.status,
        "headers": dict(result.headers),
        "sha256": digest,
        "bytes": len(result.body),
    }
    for target, data in (
        (path, gzip.compress(result.body, mtime=0)),
        (path[: -len(".feed.gz")] + ".json", json.dumps(meta, indent=1, sort_keys=True).encode()),
    ):
        write_atomically(target, data, f"{target}.tmp")
    return path


def read_raw(path: str) -> bytes:
    """A landed body, decompressed."""
    with FileSystems.open(path, compression_type=CompressionTypes.GZIP) as handle:
        data: bytes = handle.read()
    return data


def identify(documents: list[RawDocument]) -> tuple[list[Item], list[Reject]]:
    """Parse and identify in the driver (pure functions), so new items can be told from seen ones."""
    items: list[Item] = []
    rejects: list[Reject] = []
    for doc in documents:
        try:
            outs = parse_document(doc)
        except Exception as exc:  # the stages never raise, but a cycle must survive if one does
            rejects.append(error_reject("parse", doc, exc))
            continue
        for out in outs:
            if isinstance(out, Reject):
                rejects.append(out)
                continue
            try:
                items.append(assign_id(out))
            except Exception as exc:
                rejects.append(error_reject("identity", out, exc))
    return items, rejects


def next_attempt(
    failures: int, interval: float, retry_after: float | None, now: datetime
) -> datetime:
    """When a failing feed may be tried again: exponential backoff, or the server's Retry-After."""
    if retry_after is not None:
        return now + min(timedelta(seconds=retry_after), MAX_RETRY_AFTER)
    delay = timedelta(seconds=max(interval, 5.0) * 2 ** max(0, failures - 1))
    return now + min(delay, MAX_BACKOFF)


@dataclass
class CycleReport:
    """What one cycle did; `line()` is the progress line."""

    fetched: int = 0
    not_modified: int = 0
    failed: int = 0
    backing_off: int = 0
    new_items: int = 0
    articles: Counter[str] = field(default_factory=Counter)
    rejects: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def line(self, cycle: int) -> str:
        """One progress line."""

        return (
            f"cycle {cycle}: {self.fetched} feeds fetched, {self.not_modified} not modified, "
            f"{self.failed} failed, {self.backing_off} backing off; {self.new_items} new items, "
            f"{sum(self.articles.values())} articles{breakdown(self.articles)}, "
            f"{sum(self.rejects.values())} rejects{breakdown(self.rejects)}; {self.seconds:.1f} s"
        )


def _write(
    items: list[Item], rejects: list[Reject], output: str, tz: ZoneInfo, beam_argv: list[str]
) -> Any:
    options = PipelineOptions(beam_argv)
    pipeline = beam.Pipeline(runner=local_runner(options), options=options)
    articles, item_rejects = process_items(
        pipeline | "NewItems" >> beam.Create(items, reshuffle=False), tz, grouped=True
    )
    parse_rejects = pipeline | "ParseRejects" >> beam.Create(rejects, reshuffle=False)
    all_rejects = (item_rejects, parse_rejects) | "AllRejects" >> beam.Flatten()
    _ = (articles, all_rejects) | "WriteTables" >> WriteTables(output, tz)
    result = pipeline.run()
    result.wait_until_finish()
    return result


def run_cycle(
    feeds: list[Feed],
    output: str,
    state: StreamState,
    fetcher: Fetcher,
    *,
    interval: float,
    retention: timedelta,
    tz: ZoneInfo,
    beam_argv: list[str],
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> CycleReport:
    """Fetch, land, process and commit once."""
    started = time.perf_counter()
    report = CycleReport()
    moment = now()
    due = [f for f in feeds if state.due(f.url, moment)]
    report.backing_off = len(feeds) - len(due)
    validators = {f.url: state.validators(f.url) for f in due}
    with ThreadPoolExecutor(max_workers=FETCH_WORKERS) as pool:
        results = list(pool.map(lambda f: fetcher.fetch(f.url, validators[f.url]), due))
    updates: dict[str, FeedUpdate] = {}
    for feed, result in zip(due, results, strict=True):
        failed = result.error is not None
        if result.ok:
            state.add_pending(PendingRaw(land_raw(output, result), feed.url, result.fetched_at))
            report.fetched += 1
        elif result.not_modified:
            report.not_modified += 1
        else:
            report.failed += 1
        failures = state.failures(feed.url) + 1 if failed else 0
        updates[feed.url] = FeedUpdate(
            url=feed.url,
            name=feed.name,
            fetched_at=result.fetched_at,
            status=result.status,
            error=result.error,
            validators=result.validators if result.ok else None,
            next_attempt_at=next_attempt(failures, interval, result.retry_after, moment)
            if failed
            else None,
            failed=failed,
            not_modified=result.not_modified,
        )
    pending = state.pending()
    documents = [
        RawDocument(input=p.url, data=read_raw(p.path), fetched_at=p.fetched_at) for p in pending
    ]
    items, rejects = identify(documents)
    fresh_ids = state.unseen(i.article_id for i in items if i.article_id)
    fresh = [i for i in items if i.article_id in fresh_ids]
    report.new_items = len({i.article_id for i in fresh})
    per_feed = Counter(i.input for i in {i.article_id: i for i in fresh}.values())
    for url, n in per_feed.items():
        if url in updates:
            updates[url] = dataclasses.replace(updates[url], new_items=n)
    if fresh or rejects:
        report.articles, report.rejects = written_counts(
            _write(fresh, rejects, output, tz, beam_argv)
        )
    state.commit((p.path for p in pending), fresh_ids, updates.values(), moment, retention)
    report.seconds = time.perf_counter() - started
    return report


def sweep_temp(output: str) -> None:
    """Remove temporary files a killed run left behind (never read by queries, but litter)."""
    patterns = [
        FileSystems.join(output, "*", "date=*", "topic=*", ".tmp-*"),
        FileSystems.join(output, "_raw", "*", "*.tmp"),
    ]
    for result in FileSystems.match(patterns):
        paths = [m.path for m in result.metadata_list]
        if paths:
            FileSystems.delete(paths)


class StopFlag:
    """Set by SIGINT/SIGTERM: the current cycle finishes, then the loop ends."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def install(self) -> None:
        """Route SIGINT and SIGTERM here."""
        signal.signal(signal.SIGINT, self._handle)
        signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.event.set()


def stream(
    feeds: list[Feed],
    output: str,
    state_dir: Path,
    *,
    interval: float,
    once: bool,
    max_cycles: int | None,
    retention: timedelta,
    tz: ZoneInfo,
    beam_argv: list[str],
    echo: Callable[[str], None] = print,
) -> int:
    """Poll until stopped (or once, or max_cycles times); returns the exit code."""
    stop = StopFlag()
    stop.install()
    _lock = output_lock(output, "nordwire stream")  # one writer per output, held while polling
    sweep_temp(output)
    state = StreamState(state_dir)
    cycle = 0
    try:
        with Fetcher() as fetcher:
            while True:
                cycle += 1
                report = run_cycle(
                    feeds,
                    output,
                    state,
                    fetcher,
                    interval=interval,
                    retention=retention,
                    tz=tz,
                    beam_argv=beam_argv,
                )
                echo(report.line(cycle))
                if once or (max_cycles is not None and cycle >= max_cycles) or stop.event.is_set():
                    break
                if stop.event.wait(interval):
                    break
    finally:
        state.close()
    return 0
