"""Beam's Flink job server for `make flink`, assembled from Maven Central and checked jar by jar.

    python deploy/flink/jobserver.py      # fetch, check and print the job server's jar

Beam publishes its Flink job server as one shaded jar,
`beam-runners-flink-<flink>-job-server`; Maven Central as served to this machine refuses every
one of them (404, at every Beam version) but serves Beam's Flink runner with all it depends on.
So the job server is that runner's classpath: `mvn dependency:copy-dependencies` on
deploy/flink/jobserver/pom.xml (Beam 2.62.0's runner for Flink 1.19, the newest whose runner
and Java job service are both served here) copies 162 jars into .cache/flink/jobserver/lib/,
and every one must have the SHA-256 in deploy/flink/jobserver/sha256sums.txt (no more, no
fewer). Beside them goes a jar of our own with no classes, only a manifest: its Class-Path
names those jars and its Main-Class is Beam's FlinkJobServerDriver, so `java -jar` starts the
job server, and Beam's Python FlinkRunner takes it as `--flink_job_server_jar` as it takes
Beam's own jar.

BEAM_FLINK_JOB_SERVER_JAR=PATH replaces all of this by a job server jar you have (Beam's
shaded one at the SDK's version, say); nothing is fetched then.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
POM = HERE / "jobserver" / "pom.xml"
SUMS = HERE / "jobserver" / "sha256sums.txt"
CACHE = Path(os.environ.get("NORDWIRE_FLINK_CACHE", ROOT / ".cache" / "flink")) / "jobserver"

RUNNER_BEAM_VERSION = "2.62.0"  # the pom's; the Python SDK is newer (docs/deploy.md says why)
RUNNER_FLINK = "1.19"  # the Flink the runner is built for; the cluster runs the same minor
MAIN_CLASS = "org.apache.beam.runners.flink.FlinkJobServerDriver"
JAR_NAME = f"beam-runners-flink-{RUNNER_FLINK}-job-server-{RUNNER_BEAM_VERSION}-classpath.jar"
ENV_JAR = "BEAM_FLINK_JOB_SERVER_JAR"


class Unavailable(RuntimeError):
    """A part of the cluster cannot be had on this machine; the message says which and why."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pinned() -> dict[str, str]:
    """jar name -> SHA-256, as committed."""
    sums: dict[str, str] = {}
    for line in SUMS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            digest, name = line.split()
            sums[name] = digest
    return sums


def check(lib: Path) -> None:
    """Raise Unavailable unless `lib` holds exactly the pinned jars with their pinned SHA-256."""
    want = pinned()
    have = {p.name for p in lib.glob("*.jar")}
    if have != set(want):
        extra, missing = sorted(have - set(want)), sorted(set(want) - have)
        raise Unavailable(
            f"the job server's jars differ from {SUMS.name}: extra {extra}, missing {missing}"
        )
    for name, digest in want.items():
        if sha256(lib / name) != digest:
            raise Unavailable(f"{name} does not have the pinned SHA-256 {digest}")


def fetch_classpath() -> Path:
    """The checked folder of jars, fetched through mvn the first time."""
    lib = CACHE / "lib"
    if lib.is_dir():
        check(lib)  # a second or so: a changed jar is caught at every start
        return lib
    if shutil.which("mvn") is None:
        raise Unavailable("no Maven (mvn) to fetch Beam's Flink runner from Maven Central")
    partial = CACHE / "lib.partial"
    shutil.rmtree(partial, ignore_errors=True)
    proc = subprocess.run(
        [
            "mvn",
            "--batch-mode",
            "--quiet",
            "-C",  # refuse a jar whose .sha1 on Maven Central does not match
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={partial}",
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        said = [line for line in proc.stdout.splitlines() if "ERROR" in line][:1]
        why = said[0].split("]", 1)[-1].strip() if said else f"mvn exit {proc.returncode}"
        raise Unavailable(
            f"Beam's Flink runner could not be fetched from Maven Central ({why[:300]})"
        )
    try:
        check(partial)
    except Unavailable:
        shutil.rmtree(partial)
        raise
    partial.rename(lib)
    return lib


def manifest(class_path: list[str]) -> bytes:
    """A jar manifest (lines of at most 72 bytes, continued with a space) naming the classpath."""
    lines = []
    for key, value in (
        ("Manifest-Version", "1.0"),
        ("Created-By", "nordwire deploy/flink/jobserver.py"),
        ("Main-Class", MAIN_CLASS),
        ("Class-Path", " ".join(class_path)),
    ):
        raw = f"{key}: {value}".encode()
        lines.append(raw[:72])
        lines.extend(b" " + raw[i : i + 71] for i in range(72, len(raw), 71))
    return b"\r\n".join(lines) + b"\r\n\r\n"


def build_jar(lib: Path) -> Path:
    """The manifest-only jar beside `lib`; Class-Path entries are relative to the jar itself."""
    jar = lib.parent / JAR_NAME
    body = manifest([f"lib/{name}" for name in sorted(p.name for p in lib.glob("*.jar"))])
    if jar.exists():
        with zipfile.ZipFile(jar) as zf:
            if zf.read("META-INF/MANIFEST.MF") == body:
                return jar
    partial = jar.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("META-INF/MANIFEST.MF", (1980, 1, 1, 0, 0, 0)), body)
    partial.rename(jar)
    return jar


def job_server_jar() -> Path:
    """BEAM_FLINK_JOB_SERVER_JAR when set, else the classpath jar (fetched and checked once)."""
    given = os.environ.get(ENV_JAR)
    if given:
        if not Path(given).is_file():
            raise Unavailable(f"{ENV_JAR}={given} is not a file")
        return Path(given)
    return build_jar(fetch_classpath())


if __name__ == "__main__":
    try:
        print(job_server_jar())
    except Unavailable as exc:
        sys.exit(f"flink: {exc}")
