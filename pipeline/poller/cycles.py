"""`nordwire poll`, the local poller: poll feeds in cycles, land raw bodies, process what is new, commit.

A cycle: fetch every due feed concurrently (conditional GET) -> store each new body in the
raw store and record it as pending -> parse and identify every pending body -> keep items
never committed, or committed with other content (a correction: a new revision) -> run the
batch stages on DirectRunner over them and commit to the Delta tables -> commit the state
(pending done, items seen with their content digest, validators and health) in one
transaction. Killed anywhere, the next start re-processes what is pending; the sink's commits
are idempotent (pipeline/io/revise.py), so nothing is lost and nothing is written twice.
Every --compact-after seconds the days written since are compacted (pipeline/compaction.py).

A full disk fails a cycle, not the poller: the cycle line says so, what was pending stays
pending, and the next cycle (or roll) tries again.

Exit codes of a bounded poll (--once, --max-cycles): 0 every feed healthy, 3 some feed is
failing (an HTTP or network error, an HTML page, a feed without items), 1 the poller failed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import hashlib
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from nordwire.pipeline.compaction import compact, days_written_since, disk_full
from nordwire.pipeline.config import JobConfig
from nordwire.pipeline.feedlist import Feed
from nordwire.pipeline.graph.batch import process_items
from nordwire.pipeline.io.delta import check_not_plain
from nordwire.pipeline.io.fetch import Fetcher, FetchResult
from nordwire.pipeline.io.sink import WriteTables
from nordwire.pipeline.poller.state import FeedUpdate, PendingRaw, PollerState, display_name
from nordwire.pipeline.poller.stop import PollInterrupted, StopFlag
from nordwire.pipeline.runner import Summary, breakdown, new_pipeline, submit
from nordwire.schemas.items import Item, RawDocument
from nordwire.schemas.rejects import Reject
from nordwire.transforms.contract import apply_stage
from nordwire.transforms.feed.identity import assign_id
from nordwire.transforms.feed.parse import parse_document
from nordwire.transforms.revisions import raw_digest

EXIT_FEEDS_FAILING = 3
MAX_BACKOFF = timedelta(hours=1)
MAX_RETRY_AFTER = timedelta(hours=6)
FETCH_WORKERS = 8


def write_atomically(final: str, data: bytes) -> None:
    """Write `data` under a temporary name no one can guess, then rename it to `final`.

    A reader never sees half a file, and a link planted at a predictable temporary name
    cannot redirect the write. A failed write (disk full) leaves nothing behind.
    """
    temp = f"{final}.{uuid.uuid4().hex}.tmp"
    handle = FileSystems.create(
        temp, mime_type="application/octet-stream", compression_type=CompressionTypes.UNCOMPRESSED
    )
    try:
        try:
            handle.write(data)
        finally:
            handle.close()
        FileSystems.rename([temp], [final])
    except Exception:
        with contextlib.suppress(Exception):  # the write's own error is the one to raise
            FileSystems.delete([temp])
        raise


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
        write_atomically(target, data)
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
    started_at: datetime | None = None
    problems: dict[str, str] = field(default_factory=dict)  # feed name -> why it failed
    compacted: str = ""
    revised: int = 0  # articles stored in a newer revision
    failure: str = ""  # why the cycle could not finish (a full disk); retried next cycle

    def line(self, cycle: int) -> str:
        """One progress line: when, what was fetched and written, and which feeds failed why."""
        text = (
            f"{stamp(self.started_at)} cycle {cycle}: {self.fetched} feeds fetched, "
            f"{self.not_modified} not modified, {self.failed} failed, {self.backing_off} backing "
            f"off; {self.new_items} new items, {sum(self.articles.values())} articles"
            + (f", {self.revised} revised" if self.revised else "")
            + f"{breakdown(self.articles)}, "
            f"{sum(self.rejects.values())} rejects{breakdown(self.rejects)}; {self.seconds:.1f} s"
        )
        if self.failure:
            text += f"; not finished: {self.failure}"
        if self.problems:
            failed = ", ".join(f"{name} ({why})" for name, why in sorted(self.problems.items()))
            text += f"; failed: {failed}"
        if self.compacted:
            text += f"; {self.compacted}"
        return text


def stamp(moment: datetime | None = None) -> str:
    """A UTC timestamp to the second, as log lines start with."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _short(error: str, limit: int = 80) -> str:
    line = " ".join(error.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def content_problem(items: int, reasons: list[str]) -> str | None:
    """Why a body fetched fine is still a failing feed: an HTML page, no items, unparseable."""
    if items:
        return None
    if reasons:
        return sorted(reasons)[0].replace("_", " ")
    return "no items"


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
    state: PollerState,
    fetcher: Fetcher,
    *,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> CycleReport:
    """Fetch, land, process and commit once."""
    feeds, output, interval = config.feeds, config.output, config.interval
    started = time.perf_counter()
    moment = now()
    report = CycleReport(started_at=moment)
    due = [f for f in feeds if state.due(f.url, moment)]
    report.backing_off = len(feeds) - len(due)
    validators = {f.url: state.validators(f.url) for f in due}
    with ThreadPoolExecutor(max_workers=FETCH_WORKERS) as pool:
        results = list(pool.map(lambda f: fetcher.fetch(f.url, validators[f.url]), due))
    updates: dict[str, FeedUpdate] = {}
    bodies: dict[str, bytes] = {}
    for feed, result in zip(due, results, strict=True):
        failed = result.error is not None
        if result.ok and result.body is not None:
            bodies[feed.url] = result.body
            state.add_pending(PendingRaw(land_raw(output, result), feed.url, result.fetched_at))
            report.fetched += 1
        elif result.not_modified:
            report.not_modified += 1
        else:
            report.failed += 1
            report.problems[display_name(feed.name, feed.url)] = _short(
                result.error or f"HTTP {result.status}"
            )
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
    # The content verdict (HTML page, no items) of each feed fetched fine: from this cycle's
    # pending bodies, or, for a body identical to one already processed (landed under the
    # same name, so not pending again), from parsing it here.
    judged = {p.url for p in pending}
    seen_items, seen_rejects = list(items), list(rejects)
    for url, body in bodies.items():
        if url not in judged:
            more = identify([RawDocument(input=url, data=body, fetched_at=moment)])
            seen_items += more[0]
            seen_rejects += more[1]
    _content_health(feeds, updates, seen_items, seen_rejects, report, state, interval, moment)
    # New to the state, or changed since it was last committed (a correction).
    digests = {i.article_id: raw_digest(i) for i in items if i.article_id}
    fresh_ids = state.changed(digests.items())
    fresh = [i for i in items if i.article_id in fresh_ids]
    report.new_items = len({i.article_id for i in fresh})
    per_feed = Counter(i.input for i in {i.article_id: i for i in fresh}.values())
    for url, n in per_feed.items():
        if url in updates:
            updates[url] = dataclasses.replace(updates[url], new_items=n)
    if fresh or rejects:
        summary = _write(fresh, rejects, config)
        report.articles, report.rejects = summary.written_articles, summary.written_rejects
        report.revised = summary.revised
    state.commit(
        (p.path for p in pending),
        [(aid, digests[aid]) for aid in fresh_ids],
        updates.values(),
        moment,
        config.dedup_memory,
    )
    report.seconds = time.perf_counter() - started
    return report


def _content_health(
    feeds: tuple[Feed, ...],
    updates: dict[str, FeedUpdate],
    items: list[Item],
    rejects: list[Reject],
    report: CycleReport,
    state: PollerState,
    interval: float,
    moment: datetime,
) -> None:
    """A feed that answered 200 with an HTML page or no items fails like a network error:
    counted, backed off, named in the cycle line, and its validators not kept (a 304 for the
    same broken page must not read as healthy)."""
    names = {f.url: display_name(f.name, f.url) for f in feeds}
    per_url = Counter(i.input for i in items)
    reasons: dict[str, list[str]] = {}
    for r in rejects:
        reasons.setdefault(r.input, []).append(r.reason)
    for url, update in list(updates.items()):
        if update.failed or update.not_modified:
            continue
        problem = content_problem(per_url[url], reasons.get(url, []))
        if problem is None:
            continue
        report.fetched -= 1
        report.failed += 1
        report.problems[names.get(url, url)] = problem
        failures = state.failures(url) + 1
        updates[url] = dataclasses.replace(
            update,
            failed=True,
            error=problem,
            validators=None,
            next_attempt_at=next_attempt(failures, interval, None, moment),
        )


@dataclass
class Roller:
    """The poller's compaction: every --compact-after seconds, the days written since the last
    roll (found in the tables' logs: a correction writes into its story's first day)."""

    config: JobConfig
    last: float = field(default_factory=time.monotonic)
    since: float = 0.0  # wall clock: files added from then on are not compacted yet

    def __post_init__(self) -> None:
        self.since = time.time() - (self.config.compact_after or 0)

    def roll(self) -> str:
        """Compact when it is time; what it did, or why it could not ("" when not due)."""
        every = self.config.compact_after
        if not every or time.monotonic() - self.last < every:
            return ""
        started = time.time()
        try:
            days = days_written_since(self.config.output, self.since)
            done = compact(self.config.output, specs=tuple(f"date={d}" for d in days))
        except Exception as exc:  # the roll is housekeeping: it never stops the poller
            why = "disk full" if disk_full(exc) else str(exc).splitlines()[0][:120]
            return f"compaction failed ({why}); retried at the next roll"
        self.last, self.since = time.monotonic(), started
        if not days:
            return ""
        return (
            f"compacted {done.partitions} partitions ({done.files_before} files -> "
            f"{done.files_after}), vacuumed {done.vacuumed}"
        )


def _cycle(config: JobConfig, state: PollerState, fetcher: Fetcher) -> CycleReport:
    """One cycle; a full disk ends it early with the reason in its line, never the poller."""
    started, moment = time.perf_counter(), datetime.now(UTC)
    try:
        return run_cycle(config, state, fetcher, now=lambda: moment)
    except Exception as exc:
        if not disk_full(exc):
            raise
        report = CycleReport(started_at=moment, seconds=time.perf_counter() - started)
        report.failure = "the disk is full; what was fetched stays pending and is retried"
        return report


def unhealthy(config: JobConfig, state: PollerState) -> list[str]:
    """The configured feeds whose last fetch failed (backing off included)."""
    return [display_name(f.name, f.url) for f in config.feeds if state.failing(f.url)]


def poll(config: JobConfig, echo: Callable[[str], None] = print) -> int:
    """Poll until stopped (or once, or max_cycles times); returns the exit code.

    0 when stopped by a signal or when every feed is healthy at the end of a bounded poll;
    EXIT_FEEDS_FAILING when a bounded poll ends with a feed failing (for cron and timers).
    """
    stop = StopFlag()
    check_not_plain(config.output)
    state = PollerState(config.state_folder)
    roller = Roller(config)
    roll = f", compacting after {config.compact_after:g} s" if config.compact_after else ""
    echo(
        f"{stamp()} nordwire poll: started; {len(config.feeds)} feeds every {config.interval:g} s, "
        f"output {config.output}, state {config.state_folder}{roll}"
    )
    cycle = 0
    bounded = config.once or config.max_cycles is not None
    stop.install()
    try:
        with Fetcher() as fetcher:
            while True:
                cycle += 1
                report = _cycle(config, state, fetcher)
                report.compacted = roller.roll()
                echo(report.line(cycle))
                done = config.once or (config.max_cycles is not None and cycle >= config.max_cycles)
                if done or stop.event.is_set() or stop.event.wait(config.interval):
                    break
        failing = unhealthy(config, state)
    except BaseException:
        if stop.forced:  # Beam may have wrapped the KeyboardInterrupt: the flag is what counts
            raise PollInterrupted(f"stopped in cycle {cycle}") from None
        raise
    finally:
        stop.restore()
        state.close()
    plural = "s" if cycle != 1 else ""
    echo(f"{stamp()} nordwire poll: stopped after {cycle} cycle{plural}; state saved")
    if bounded and failing and not stop.event.is_set():
        echo(f"{stamp()} nordwire poll: failing feeds: {', '.join(failing)}")
        return EXIT_FEEDS_FAILING
    return 0
