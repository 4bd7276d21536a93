"""kill -9 a writer and a compaction at random moments, round after round: nothing lost or doubled.

`python -m tests.robustness.storage_kills [--rounds 20] [--seed N]` (part of `make robustness`).

Round r starts two processes on one output: a writer (stories r*20 .. r*20+19 in bundles of
five, then a correction of the previous round's stories, with a later clock) and `compact`;
each is killed at a random moment once it has started working. After every round the tables
a reader sees must hold each story at most once, each article with exactly its own entity and
quote rows, and never an article revision the history does not have. At the end, every
round's writes run again without a kill: every story must then be there once, with the
corrected text where a correction was written, and its revisions numbered 1..n.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

PER_ROUND = 20
CHECKS = {
    "a story twice": "SELECT count(*) - count(DISTINCT article_id) FROM articles",
    "counts that disagree with the child rows": (
        "SELECT count(*) FROM articles a WHERE a.quote_count <> "
        "(SELECT count(*) FROM quotes q WHERE q.article_id = a.article_id) "
        "OR list_sort(a.people) <> coalesce((SELECT list_sort(list(DISTINCT e.normalised)) "
        "FROM entities e WHERE e.article_id = a.article_id AND e.label = 'PER'), [])"
    ),
    "a revision the history lacks": (
        "SELECT count(*) FROM articles a WHERE a.revision > "
        "(SELECT count(*) FROM revisions r WHERE r.article_id = a.article_id)"
    ),
}


def _stories(round_: int) -> list[object]:
    """The round's new stories (version 1) and the previous round's corrected (version 2)."""
    from nordwire.pipeline.io.sink import story_of
    from nordwire.transforms.feed.dates import OSLO

    from tests.stages.test_writers import story

    new = [story(f"s{i:04d}", 10 + i % 3, "Jonas Gahr Støre", 9) for i in _ids(round_)]
    fixed = [story(f"s{i:04d}", 10 + i % 3, "Erna Solberg", 12) for i in _ids(round_ - 1)]
    return [story_of(item, OSLO) for item in [*new, *fixed]]


def _ids(round_: int) -> range:
    return range(round_ * PER_ROUND, (round_ + 1) * PER_ROUND) if round_ >= 0 else range(0)


def write(output: str, round_: int) -> None:
    """The writer process: the round's stories, five to a commit."""
    from nordwire.pipeline.io.delta import Tables
    from nordwire.pipeline.io.sink import commit_rows

    rows = _stories(round_)
    tables = Tables(output)
    print("started", flush=True)
    for i in range(0, len(rows), 5):
        commit_rows(tables, rows[i : i + 5])  # type: ignore[arg-type]


def compact_now(output: str) -> None:
    """The compaction process (default retention: files a writer is about to commit stay)."""
    from nordwire.pipeline.compaction import compact

    print("started", flush=True)
    compact(output, before="2024-03-20")


def _start(*args: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.robustness.storage_kills", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    proc.stdout.readline()  # "started": imports done, the work begins now
    return proc


def _kill_at_random(procs: list[subprocess.Popen[str]], rng: random.Random) -> list[str]:
    deadline = {id(p): time.monotonic() + rng.uniform(0.0, 4.0) for p in procs}
    killed: list[str] = []
    while any(p.poll() is None for p in procs):
        for p in procs:
            name = p.args[3]  # type: ignore[index]
            if p.poll() is None and time.monotonic() >= deadline[id(p)] and name not in killed:
                p.kill()
                killed.append(name)
        time.sleep(0.01)
    for p in procs:
        p.wait()
    return killed


def check(output: str) -> list[str]:
    """What is wrong with the tables as a reader sees them now (nothing: [])."""
    from nordwire.pipeline.read.query import connect

    con = connect(output)
    try:
        return [
            f"{name}: {n}"
            for name, sql in CHECKS.items()
            if (n := (con.execute(sql).fetchone() or (0,))[0])
        ]
    finally:
        con.close()


def final_state(output: str, rounds: int) -> list[str]:
    """After every round's writes ran to the end: what is wrong (nothing: [])."""
    from nordwire.pipeline.read.query import connect

    con = connect(output)
    try:
        got = dict(con.execute("SELECT article_id, title FROM articles").fetchall())
        numbered = con.execute(
            "SELECT count(*) FROM articles a WHERE a.revision <> "
            "(SELECT count(*) FROM revisions r WHERE r.article_id = a.article_id)"
        ).fetchone()
    finally:
        con.close()
    wanted = {
        f"s{i:04d}": "Erna Solberg" if i < (rounds - 1) * PER_ROUND else "Jonas Gahr Støre"
        for i in range(rounds * PER_ROUND)
    }
    problems = [
        f"{k}: {got.get(k)!r}, expected {v!r}" for k, v in wanted.items() if got.get(k) != v
    ]
    if len(got) != len(wanted):
        problems.append(f"{len(got)} stories, expected {len(wanted)}")
    if numbered and numbered[0]:
        problems.append(f"{numbered[0]} articles whose revision is not their count of revisions")
    return problems + check(output)


def main(argv: list[str] | None = None) -> int:
    """Run the rounds; print one line each and the verdict; exit 1 on any problem."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "out")
        for r in range(args.rounds):
            killed = _kill_at_random([_start("write", out, str(r)), _start("compact", out)], rng)
            found = check(out) if Path(out, "articles").exists() else []
            print(
                f"round {r + 1}: killed {', '.join(killed) or 'nothing (both finished)'}; "
                f"{'ok' if not found else '; '.join(found)}",
                flush=True,
            )
            problems += found
        for r in range(args.rounds):  # every round's writes once more, to the end
            proc = _start("write", out, str(r))
            proc.wait()
        problems += final_state(out, args.rounds)
    print(
        f"seed {args.seed}, {args.rounds} rounds, {datetime.now(UTC):%H:%M:%S}: "
        + ("nothing lost or doubled" if not problems else f"{len(problems)} problems")
    )
    for p in problems:
        print("PROBLEM", p)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("write", "compact"):
        write(sys.argv[2], int(sys.argv[3])) if sys.argv[1] == "write" else compact_now(sys.argv[2])
    else:
        sys.exit(main())
