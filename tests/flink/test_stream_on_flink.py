"""The streaming job on Flink with checkpoints: a loopback feed server publishes new stories and
revisions over a few minutes, a TaskManager is killed with its worker pool mid-run, and the job
recovers from its last checkpoint. At the end every story is in `articles` once and nothing is
lost, each story in its newest revision; `revisions` holds each revision once; Beam's counters
of the attempt before the kill show each copy the dedup let through processed once (those of
the restored attempt are only bounded: see the end of the test); and the `feeds` table logs the
job's fetches (`nordwire feeds status` reads it)."""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from nordwire.pipeline.read.query import connect

from tests.flink.conftest import Cluster, alive, nordwire
from tests.helpers.feedserver import FeedServer, feed_server, send

STORIES = 8
EVERY = 15.0  # seconds between two changes of the feed
TEXT = "Kommunestyret vedtok i kveld at skolen skal bygges ut, og ordføreren sier at arbeidet starter til høsten."
COUNTERS = ("dedup_new", "dedup_revision", "dedup_duplicate", "normalise_ok")
MORE = " Rådmannen legger fram en ny plan for finansieringen neste uke."


class Newsroom:
    """The feed as it changes: story n appears at step n; stories 1, 3, 5 are revised later."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.revised = {1: STORIES + 1, 3: STORIES + 2, 5: STORIES + 3}  # story -> step revised

    def step(self) -> int:
        return int((time.monotonic() - self.started) / EVERY)

    def last_step(self) -> int:
        return max(self.revised.values())

    def body(self) -> bytes:
        now = self.step()
        items = []
        for n in range(min(now, STORIES - 1) + 1):
            text = TEXT + (MORE if now >= self.revised.get(n, 10**6) else "")
            items.append(
                f"<item><title>Sak {n}</title><link>https://lokalavisa.example.no/sak-{n}</link>"
                f"<guid>sak-{n}</guid><pubDate>Mon, 11 Mar 2024 09:{n:02d}:00 +0100</pubDate>"
                f"<description>{text} Sak nummer {n}.</description></item>"
            )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            "<title>Lokalavisa</title><link>https://lokalavisa.example.no/</link>"
            f"{''.join(reversed(items))}</channel></rss>"
        ).encode()


@pytest.fixture
def newsroom() -> Iterator[tuple[FeedServer, Newsroom]]:
    room = Newsroom()
    with feed_server() as server:
        server.routes["/rss"] = lambda h: send(
            h, 200, room.body(), {"Content-Type": "application/rss+xml"}
        )
        yield server, room


def running_job(cluster: Cluster, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        jobs = cluster.rest("/jobs/overview")["jobs"]
        running = [j for j in jobs if j["state"] == "RUNNING"]
        if running:
            return str(running[0]["jid"])
        time.sleep(2)
    raise AssertionError(f"no running job after {seconds:.0f} s")


def checkpoints(cluster: Cluster, job: str) -> dict[str, Any]:
    data: dict[str, Any] = cluster.rest(f"/jobs/{job}/checkpoints")
    return data


def beam_counters(cluster: Cluster, job: str) -> dict[str, int]:
    """The dedup's and Normalise's Beam counters as Flink reports them for the job's current
    attempt (Flink names a user metric `<operator>.<namespace>_<name>`), summed over each
    subtask of each vertex (one subtask may have registered a counter the others have not)."""
    totals: dict[str, int] = {}
    for vertex in cluster.rest(f"/jobs/{job}")["vertices"]:
        base = f"/jobs/{job}/vertices/{vertex['id']}/subtasks"
        for index in range(int(vertex["parallelism"])):
            path = f"{base}/{index}/metrics"
            names = [m["id"] for m in cluster.rest(path)]
            wanted = [n for n in names if n.rsplit(".", 1)[-1] in COUNTERS]
            if not wanted:
                continue
            query = ",".join(urllib.parse.quote(n, safe="") for n in wanted)
            for metric in cluster.rest(f"{path}?get={query}"):
                key = metric["id"].rsplit(".", 1)[-1]
                totals[key] = totals.get(key, 0) + int(float(metric["value"]))
    return totals


def once_per_revision(counters: dict[str, int]) -> bool:
    """Every copy the dedup let through went through the stages once, and re-polls did not."""
    passed = counters.get("dedup_new", 0) + counters.get("dedup_revision", 0)
    return counters.get("normalise_ok", 0) == passed and counters.get("dedup_duplicate", 0) > 0


def table(out: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a query over the output's Delta tables (nothing before the first commit)."""
    if not (out / "articles" / "_delta_log").is_dir():
        return []
    con = connect(str(out))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def articles(out: Path) -> list[tuple[str, str]]:
    return table(out, "SELECT guid, summary FROM articles ORDER BY guid")


def test_the_stream_survives_a_lost_taskmanager_and_keeps_each_revision_once(
    cluster: Cluster, newsroom: tuple[FeedServer, Newsroom], tmp_path: Path
) -> None:
    server, room = newsroom
    out = tmp_path / "out"
    submitted = nordwire(
        "stream", "--feeds", server.url("/rss"), "--output", str(out), "--interval", "5",
        "--window", "20", *cluster.beam_args(), "--checkpointing_interval", "5000",
    )  # fmt: skip
    assert submitted.returncode == 0, submitted.stderr
    job = running_job(cluster, 300)
    # Mid-run, once a checkpoint holds some stories: a TaskManager that runs the job dies with
    # its worker pool, at once, as a lost machine would.
    deadline = time.monotonic() + 300
    while True:
        before = beam_counters(cluster, job)
        done = checkpoints(cluster, job)["counts"]["completed"]
        if room.step() >= STORIES // 2 and done >= 1 and before.get("dedup_new", 0) >= 2:
            break
        assert time.monotonic() < deadline, f"no stories after 300 s: {before}"
        time.sleep(2)
    assert once_per_revision(before), before
    victim = min(cluster.taskmanagers_of(job))
    cluster.kill_taskmanager(victim)
    pids, other = cluster.state()["pids"], 3 - victim
    assert not alive(pids[f"taskmanager{victim}"]) and not alive(pids[f"pool{victim}"])
    assert all(alive(pids[name]) for name in ("jobmanager", f"taskmanager{other}", f"pool{other}"))
    # Flink restarts the job from its last checkpoint on the TaskManager left.
    deadline = time.monotonic() + 300
    while not checkpoints(cluster, job)["counts"]["restored"]:
        assert time.monotonic() < deadline, "the job was not restored from a checkpoint"
        time.sleep(2)
    restored = checkpoints(cluster, job)["latest"]["restored"]
    assert restored["id"] >= done and not restored["is_savepoint"], restored
    # Until the newsroom's last change is in the table, and its window has closed.
    deadline = time.monotonic() + 600
    while room.step() <= room.last_step() or len(articles(out)) < STORIES:
        assert time.monotonic() < deadline, f"stories after 600 s: {articles(out)}"
        time.sleep(5)
    time.sleep(40)  # two windows: a copy in flight would land now, twice if it could
    after = beam_counters(cluster, job)
    assert cluster.rest(f"/jobs/{job}")["state"] == "RUNNING"
    cluster.rest(f"/jobs/{job}?mode=cancel", method="PATCH")
    rows = articles(out)
    assert [guid for guid, _ in rows] == [f"sak-{n}" for n in range(STORIES)], (
        "a story lost or written twice"
    )
    # Each story in its newest revision, its history in `revisions`, each revision once.
    revised = {f"sak-{n}" for n in room.revised}
    assert [guid for guid, summary in rows if MORE.strip() in summary] == sorted(revised)
    history = table(
        out,
        "SELECT a.guid, count(*), count(DISTINCT r.revision), max(r.revision) FROM revisions r "
        "JOIN articles a USING (article_id) GROUP BY a.guid ORDER BY a.guid",
    )
    versions = [2 if guid in revised else 1 for guid, _ in rows]
    assert history == [(g, v, v, v) for (g, _), v in zip(rows, versions, strict=True)], history
    stored = table(out, "SELECT guid, revision FROM articles ORDER BY guid")
    assert stored == [(g, v) for (g, _), v in zip(rows, versions, strict=True)], stored
    # Beam's counters on Flink belong to a task's attempt: a restore begins them anew and the
    # attempt replays what came after its checkpoint. Before the kill (one attempt) they show
    # each copy the dedup let through processed once (asserted above). After a restore, the
    # figures Flink reported for the new attempt were not consistent with one another in two
    # runs out of three here (normalise_ok 5 against dedup_new 2 and 7, dedup_revision
    # missing), so they are only bounded; that each revision was processed once overall is
    # read from the tables above.
    passed = after.get("dedup_new", 0) + after.get("dedup_revision", 0)
    assert passed <= STORIES + len(room.revised) and after.get("dedup_duplicate", 0) > 0, after
    # The job's feed health: every fetch logged once, and `feeds status` reads it.
    fetches = table(out, "SELECT count(*), count(DISTINCT fetch_id), bool_and(ok) FROM feeds")
    assert fetches[0][0] == fetches[0][1] > 0 and fetches[0][2], fetches
    status = nordwire("feeds", "status", "--output", str(out), "--format", "json")
    assert status.returncode == 0, status.stderr
    assert [(r["url"], r["health"], r["new_items"]) for r in json.loads(status.stdout)] == [
        (server.url("/rss"), "ok", STORIES)
    ]
