"""One commit of a bundle of stories and rejects into the Delta tables: each story once, newest revision.

The order of the commits is what keeps every table true for a reader at any moment and after
a kill at any point (there are no transactions across Delta tables):

1. **Locate.** `revisions` (narrow, one file per day) is read over the days a story can have
   started on: LOOKBACK_DAYS before its own date to LOOKAHEAD_DAYS after. A story found there
   keeps its first day as its partition, whatever date the new copy carries.
2. **Decide** per story (transforms/revisions.py): new (revision 1), a newer version (one more
   revision, with the changed fields), the same content (nothing, or finishing a version a
   killed writer claimed but did not apply), or an older copy (nothing).
3. **Claim** the new revisions in `revisions`: the history leads, so a writer always finds a
   story that any writer has started to store.
4. **Children**: the entity and quote rows of each version to apply, tagged with its
   content_hash, unless that version's rows are already there.
5. **Articles**: one row per story, replaced in place (same day; the topic may change). Only
   now does the new version show: readers join children on (article_id, content_hash), so
   they see the old version's children until this commit and the new ones after.
6. **Cleanup**: children of the replaced version are deleted (a kill before this leaves rows
   readers never see; `nordwire compact` sweeps them).
7. **Rejects** and **feeds** (the fetch log of the jobs that poll): rows whose id is not in
   that day's partition yet.

Every commit carries the days it depends on as application ids (delta.py); the bundle's own
id rides on the commits that complete it (the last articles commit, the rejects commit), so a
retried bundle that had finished is skipped at once. A conflict with a concurrent writer
restarts the whole sequence, which then finds what the other wrote. Re-running a finished
bundle finds everything in place and commits nothing.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from nordwire.pipeline.io.bundle import FetchRow, Outcome, RejectRow, Row, Story, bundle_id
from nordwire.pipeline.io.delta import CommitFailedError, Table, Tables, as_date, quoted
from nordwire.schemas import revisions
from nordwire.schemas.revisions import Version
from nordwire.schemas.topics import UNCLASSIFIED
from nordwire.transforms.revisions import changed_fields, supersedes

# The days a story already stored can have started on, around the date a new copy carries: in
# the shared snapshots 753 of 754 stories never change day, and the one that does (an undated
# item dated by its feed's newest item) moves 5 days forward. Each day more is one more file
# every commit reads (revisions, compacted), so the window is what the feeds need, not more.
LOOKBACK_DAYS = 14
LOOKAHEAD_DAYS = 3
ATTEMPTS = 10
CHILDREN = ("entities", "quotes")

@dataclass(frozen=True)
class _Stored:
    """What `revisions` says about a story: its day and newest claimed version."""

    day: str
    revision: int
    content_hash: str
    seen: tuple[datetime, datetime]
    hashes: dict[str, str]
    first_seen: datetime


@dataclass(frozen=True)
class _Applied:
    """The story's row in `articles`."""

    revision: int
    content_hash: str
    first_seen: datetime


@dataclass
class _Plan:
    story: Story
    day: str
    version: Version
    claim: bool
    apply: bool
    replace: bool  # an articles row exists and is replaced
    kind: str  # new, revised, repaired, unchanged, older


def _days_around(day: str) -> list[str]:
    first = date.fromisoformat(day)
    return [
        (first + timedelta(days=offset)).isoformat()
        for offset in range(-LOOKBACK_DAYS, LOOKAHEAD_DAYS + 1)
    ]


def _newest_per_id(stories: Iterable[Story]) -> tuple[dict[str, Story], int]:
    kept: dict[str, Story] = {}
    dropped = 0
    for s in stories:
        other = kept.get(s.article_id)
        if other is None or supersedes(s.seen, other.seen):
            kept[s.article_id] = s
        dropped += other is not None
    return kept, dropped


def _locate(tables: Tables, stories: dict[str, Story]) -> tuple[dict[str, _Stored], set[str]]:
    """The newest claimed version of each story found in `revisions`, and the days read."""
    window = {d for s in stories.values() for d in _days_around(s.day)}
    # Ids first (one narrow column over the window), the rest only for the days they are on.
    hits = tables["revisions"].read(window, ["article_id", "date"], ids=stories)
    if not hits.num_rows:
        return {}, window
    found = tables["revisions"].read(
        {d.isoformat() for d in hits.column("date").to_pylist()},
        ["article_id", "date", "revision", "content_hash", "revised_at", "seen_at", "field_hashes"],
        ids=set(hits.column("article_id").to_pylist()),
    )
    newest: dict[str, Row] = {}
    first: dict[str, datetime] = {}
    for r in found.to_pylist():
        aid = r["article_id"]
        first[aid] = min(first.get(aid, r["seen_at"]), r["seen_at"])
        if aid not in newest or r["revision"] > newest[aid]["revision"]:
            newest[aid] = r
    stored = {
        aid: _Stored(
            day=r["date"].isoformat(),
            revision=r["revision"],
            content_hash=r["content_hash"],
            seen=(r["revised_at"], r["seen_at"]),
            hashes={h["field"]: h["hash"] for h in r["field_hashes"] or []},
            first_seen=first[aid],
        )
        for aid, r in newest.items()
    }
    return stored, window


def _applied(tables: Tables, days: dict[str, str]) -> dict[str, _Applied]:
    """The articles rows of stories already located (only their own day is read)."""
    if not days:
        return {}
    found = tables["articles"].read(
        days.values(), ["article_id", "date", "revision", "content_hash", "first_seen_at"], days
    )
    return {
        r["article_id"]: _Applied(r["revision"], r["content_hash"], r["first_seen_at"])
        for r in found.to_pylist()
        if r["date"].isoformat() == days[r["article_id"]]
    }


def decide(story: Story, stored: _Stored | None, applied: _Applied | None) -> _Plan:
    """What to do with one story, given its newest claimed version and its articles row."""
    v = story.version
    if stored is None:
        return _Plan(story, story.day, v, claim=True, apply=True, replace=False, kind="new")
    # The earliest evidence of the story: the articles row's, else the first revision's fetch
    # (revisions keep no first_seen_at), and this copy's own (its document's build date) — a
    # commit retried after a conflict finds its own claim and no articles row yet.
    first_seen = min(applied.first_seen if applied else stored.first_seen, v.first_seen_at)
    behind = applied is None or applied.revision < stored.revision
    if v.content_hash == stored.content_hash:
        version = dataclasses.replace(v, revision=stored.revision, first_seen_at=first_seen)
        kind = "repaired" if behind else "unchanged"
        return _Plan(story, stored.day, version, False, behind, applied is not None, kind)
    if not supersedes(story.seen, stored.seen):
        return _Plan(story, stored.day, v, claim=False, apply=False, replace=False, kind="older")
    version = dataclasses.replace(
        v,
        revision=stored.revision + 1,
        first_seen_at=first_seen,
        changed=tuple(changed_fields(stored.hashes or None, dict(v.field_hashes))),
    )
    return _Plan(story, stored.day, version, True, True, applied is not None, "revised")


def _article_row(plan: _Plan) -> Row:
    v = plan.version
    row = dict(plan.story.row)
    row.update(
        revision=v.revision,
        first_seen_at=v.first_seen_at,
        revised_at=v.revised_at,
        content_hash=v.content_hash,
        date=as_date(plan.day),
        topic=plan.story.topic,
    )
    return row


def _children(tables: Tables, plans: list[_Plan]) -> None:
    """Write the entity and quote rows of each version to apply, unless already there.

    The two tables are committed side by side (each its own Delta commit).
    """
    # A version nobody had claimed before this attempt cannot have children on disk.
    check = {p.story.article_id: p.day for p in plans if p.kind != "new"}
    days = {p.day for p in plans}
    writes = []
    for name in CHILDREN:
        table = tables[name]
        present: set[tuple[str, str]] = set()
        if check:
            found = table.read(check.values(), ["article_id", "content_hash"], check, "article_id")
            present = set(
                zip(*(found.column(c).to_pylist() for c in found.column_names), strict=True)
            )
        rows = [
            {**row, "date": as_date(p.day), "topic": p.story.topic}
            for p in plans
            if (p.story.article_id, p.version.content_hash) not in present
            for row in getattr(p.story, name)
        ]
        if rows:
            writes.append((table, rows))
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = [pool.submit(t.write, rows, app_id=None, days=days) for t, rows in writes]
    for future in done:
        future.result()  # a conflict in either table restarts the bundle


def _articles(tables: Tables, plans: list[_Plan], app_id: str) -> None:
    """Replace the stories stored before, then add the new ones; the bundle's id rides on the
    last of the two commits, so a retry skips the bundle only once both are in."""
    table = tables["articles"]
    replaced = [p for p in plans if p.replace]
    inserted = [p for p in plans if not p.replace]
    if replaced:
        days = {p.day for p in replaced}
        ids = [p.story.article_id for p in replaced]
        table.write(
            [_article_row(p) for p in replaced],
            app_id=None if inserted else app_id,
            days=days,
            replace=f"date IN ({quoted(days)}) AND article_id IN ({quoted(ids)})",
        )
    if inserted:
        table.write(
            [_article_row(p) for p in inserted], app_id=app_id, days={p.day for p in inserted}
        )


def _cleanup(tables: Tables, replaced: dict[str, tuple[str, str]]) -> None:
    """Delete the children of versions just replaced: (article_id -> (day, old content_hash)).

    Readers no longer see them (they join on the article's content_hash). Each attempt asks
    `articles` again, so a version that became current again meanwhile keeps its rows.
    """
    for attempt in range(1, ATTEMPTS + 1):
        tables.refresh(["articles", *CHILDREN])
        current = _applied(tables, {aid: day for aid, (day, _) in replaced.items()})
        stale = [
            (aid, day, old)
            for aid, (day, old) in replaced.items()
            if aid in current and current[aid].content_hash != old
        ]
        if not stale:
            return
        days = {day for _, day, _ in stale}
        pairs = " OR ".join(
            f"(article_id = {quoted([aid])} AND content_hash = {quoted([old])})"
            for aid, _, old in stale
        )
        try:
            for name in CHILDREN:
                tables[name].delete(
                    f"date IN ({quoted(days)}) AND ({pairs})", app_id=None, days=days
                )
            return
        except CommitFailedError:
            if attempt == ATTEMPTS:
                raise
            _pause(attempt)


def _pause(attempt: int) -> None:
    time.sleep(random.uniform(0.02, 0.1) * min(2**attempt, 32))


def _stories(
    tables: Tables, stories: Sequence[Story], app_id: str, out: Outcome
) -> dict[str, tuple[str, str]]:
    """Locate, decide, claim, write children and articles; returns the replaced versions."""
    by_id, dropped = _newest_per_id(stories)
    out.older += dropped
    stored, window = _locate(tables, by_id)
    applied = _applied(tables, {aid: s.day for aid, s in stored.items()})
    plans = [decide(s, stored.get(aid), applied.get(aid)) for aid, s in by_id.items()]
    claims = [p for p in plans if p.claim]
    if claims:
        rows = [
            {
                **revisions.to_row(
                    p.story.row, p.story.topic, p.version, p.story.row["pipeline_version"]
                ),
                "date": as_date(p.day),
            }
            for p in claims
        ]
        tables["revisions"].write(rows, app_id=None, days=window)
    to_apply = [p for p in plans if p.apply]
    if to_apply:
        _children(tables, to_apply)
        _articles(tables, to_apply, app_id)
    for p in plans:
        if p.kind == "new" or (p.kind == "repaired" and not p.replace and p.version.revision == 1):
            # a first version whose articles row a conflict kept from being written: new
            out.new[p.story.topic] += 1
        elif p.kind in ("revised", "repaired"):
            out.revised[p.story.topic] += 1
        elif p.kind == "unchanged":
            out.unchanged += 1
        else:
            out.older += 1
    return {
        p.story.article_id: (p.day, applied[p.story.article_id].content_hash)
        for p in to_apply
        if p.replace
    }


def _append_new(
    table: Table, rows: Sequence[RejectRow | FetchRow], app_id: str, extra: Row
) -> tuple[list[Row], int]:
    """Append the rows whose id is not in their day's partition yet: (rows added, rows present)."""
    by_id = {str(r.row[table.key]): r for r in rows}
    days = {r.day for r in by_id.values()}
    found = table.read(days, [table.key, "date"], by_id)
    present = {
        (rid, d.isoformat())
        for rid, d in zip(
            found.column(table.key).to_pylist(), found.column("date").to_pylist(), strict=True
        )
    }
    fresh = [r for rid, r in by_id.items() if (rid, r.day) not in present]
    if fresh:
        table.write(
            [{**r.row, "date": as_date(r.day), **extra} for r in fresh], app_id=app_id, days=days
        )
    return [r.row for r in fresh], len(by_id) - len(fresh)


def commit(
    tables: Tables,
    stories: Sequence[Story],
    rejects: Sequence[RejectRow],
    fetches: Sequence[FetchRow] = (),
    scope: str = "",
) -> Outcome:
    """Commit a bundle: every story once in its newest revision, every reject and fetch once.

    A bundle whose last commit is already in the tables (a retried Beam bundle, a stream's
    firing replayed, a poll cycle run again after a kill) is skipped at once; `scope` names the
    window and pane of a firing. A conflict with a concurrent writer restarts the sequence
    after a random pause, longer each time; CommitFailedError only after ATTEMPTS conflicts in
    a row.
    """
    app_id = bundle_id(stories, rejects, fetches, scope)
    names = (
        (["revisions", "articles", *CHILDREN] if stories else [])
        + (["rejects"] if rejects else [])
        + (["feeds"] if fetches else [])
    )
    tables.refresh(names)
    done = Outcome(skipped=True)
    if stories and tables["articles"].committed(app_id):
        done.unchanged, stories = len(stories), []
    if rejects and tables["rejects"].committed(app_id):
        done.rejects_present, rejects = len(rejects), []
    if fetches and tables["feeds"].committed(app_id):
        fetches = []
    if not stories and not rejects and not fetches:
        return done
    for attempt in range(1, ATTEMPTS + 1):
        out = Outcome(
            attempts=attempt, unchanged=done.unchanged, rejects_present=done.rejects_present
        )
        try:
            replaced = _stories(tables, stories, app_id, out) if stories else {}
            if rejects:
                fresh, present = _append_new(
                    tables["rejects"], rejects, app_id, {"topic": UNCLASSIFIED}
                )
                out.rejects.update(str(r["reason"]) for r in fresh)
                out.rejects_present += present
            if fetches:
                out.fetches = len(_append_new(tables["feeds"], fetches, app_id, {})[0])
        except CommitFailedError:
            if attempt == ATTEMPTS:
                raise
            _pause(attempt)
            tables.refresh(names)
            continue
        if replaced:
            _cleanup(tables, replaced)
        return out
    raise AssertionError("unreachable")
