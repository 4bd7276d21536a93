"""`nordwire poll`, the local poller: poll feeds in cycles, land raw bodies, process what is new, commit.

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
from types import FrameType

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from nordwire.pipeline.config import JobConfig
from nordwire.pipeline.graph.batch import process_items
from nordwire.pipeline.io.fetch import Fetcher, FetchResult
from nordwire.pipeline.io.lock import output_lock
from nordwire.pipeline.io.sink import WriteTables, write_atomically
from nordwire.pipeline.poller.state import FeedUpdate, PendingRaw, StreamState
from nordwire.pipeline.runner import Summary, breakdown, new_pipeline, submit
from nordwire.schemas.items import Item, RawDocument
from nordwire.schemas.rejects import Reject
from nordwire.transforms.contract import apply_stage
from nordwire.transforms.identity import assign_id
from nordwire.transforms.parse import parse_document

MAX_BACKOFF = timedelta(hours=1)
MAX_RETRY_AFTER = timedelta(hours=6)
FETCH_WORKERS = 8


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
    """Parse and identify in the driver, under the same contract as the Beam stages, so new
    items can be told from seen ones before anything is processed."""
    items: list[Item] = []
    rejects: list[Reject] = []
    for doc in documents:
        parsed, _ = apply_stage("parse", parse_document, doc)
        for out in parsed:
            identified, _ = (
                apply_stage("identity", assign_id, out) if isinstance(out, Item) else ([out], False)
            )
            for one in identified:
                if isinstance(one, Item):
                    items.append(one)
                else:
                    rejects.append(one)
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


def _write(items: list[Item], rejects: list[Reject], config: JobConfig) -> Summary:
    """The batch stages over this cycle's new items, on the local runner, through the one submit."""
    pipeline = new_pipeline(config)
    tz = config.timezone
    articles, item_rejects = process_items(
        pipeline | "NewItems" >> beam.Create(items, reshuffle=False), tz
    )
    parse_rejects = pipeline | "ParseRejects" >> beam.Create(rejects, reshuffle=False)
    all_rejects = (item_rejects, parse_rejects) | "AllRejects" >> beam.Flatten()
    _ = (articles, all_rejects) | "WriteTables" >> WriteTables(config.output, tz)
    return submit(pipeline)


def run_cycle(
    config: JobConfig,
    state: StreamState,
    fetcher: Fetcher,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> CycleReport:
    """Fetch, land, process and commit once."""
    feeds, output, interval = config.feeds, config.output, config.interval
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
        summary = _write(fresh, rejects, config)
        report.articles, report.rejects = summary.written_articles, summary.written_rejects
    state.commit(
        (p.path for p in pending), fresh_ids, updates.values(), moment, config.dedup_memory
    )
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


def poll(config: JobConfig, echo: Callable[[str], None] = print) -> int:
    """Poll until stopped (or once, or max_cycles times); returns the exit code."""
    stop = StopFlag()
    stop.install()
    # One writer per output, held while polling, so no other writer's temp files are swept.
    lock = output_lock(config.output, "nordwire poll")
    sweep_temp(config.output)
    state = StreamState(config.state_folder)
    cycle = 0
    try:
        with Fetcher() as fetcher:
            while True:
                cycle += 1
                report = run_cycle(config, state, fetcher)
                echo(report.line(cycle))
                done = config.once or (config.max_cycles is not None and cycle >= config.max_cycles)
                if done or stop.event.is_set() or stop.event.wait(config.interval):
                    break
    finally:
        state.close()
        lock.release()
    return 0
