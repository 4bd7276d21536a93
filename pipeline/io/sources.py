"""Input edge: match files and globs lazily inside the pipeline and read them as RawDocuments."""

from __future__ import annotations

import os
import posixpath  # path strings only (dirname), as Beam's local matcher splits them
import re
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes, FileMetadata, FileSystem
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.pvalue import PCollection, TaggedOutput
from nordwire.pipeline.counting import tally
from nordwire.pipeline.io.decompress import TooLarge, read_capped
from nordwire.schemas.items import RawDocument
from nordwire.schemas.rejects import REJECTS, Reject
from nordwire.transforms.feed.parse import MAX_INPUT_BYTES

_GLOB = re.compile(r"[*?\[]")


def display_path(path: str) -> str:
    """A path as it may be stored: bytes that are not UTF-8 shown as \\xNN escapes.

    POSIX file names are bytes; Python carries undecodable ones as lone surrogates, which no
    UTF-8 coder, Parquet column or terminal takes. The file is still opened by its real name.
    """
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return path


def check_regular(path: str) -> None:
    """Refuse a local path that is not a regular file: opening a FIFO waits for a writer forever."""
    if "://" in path:
        return  # object stores hold only regular objects
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return  # missing or forbidden: opening it says so
    if not stat.S_ISREG(mode):
        raise OSError(f"not a regular file: {display_path(path)}")


def has_match(pattern: str) -> bool:
    """Whether a local pattern names at least one file, matched the way the pipeline will.

    Beam's matcher walks folders without following symbolic links, so a link loop below
    `dir/**` cannot make this hang (the standard library's recursive glob follows them).
    """
    try:
        return bool(FileSystems.match([pattern], limits=[1])[0].metadata_list)
    except Exception:  # an unreadable folder: the pipeline reports it as a not_found reject
        return False


def expand_pattern(pattern: str) -> list[FileMetadata]:
    """Files a pattern names: a glob, a file, or every file below a folder (sorted by path)."""
    if not _GLOB.search(pattern):
        below = FileSystems.match([pattern.rstrip("/") + "/**"])[0].metadata_list
        if below:
            return sorted(below, key=lambda m: m.path)
    found = FileSystems.match([pattern])[0].metadata_list
    return sorted(found, key=lambda m: m.path)


def dangling_links(pattern: str) -> list[tuple[str, str]]:
    """(link, why) for each symbolic link a local folder or glob takes in that cannot be
    followed: its target does not exist, or it points at itself. Sorted by link.

    Beam's matcher cannot stat them and leaves them out without a word; each becomes an
    `unreadable` reject instead. Links to folders are not followed, as Beam does not. Local
    only, like `check_regular`: an object store holds no links.
    """
    if "://" in pattern:
        return []
    wanted: re.Pattern[str] | None = None
    top = pattern
    if _GLOB.search(pattern):  # the folder Beam lists for a glob, and the glob as a regex
        prefix = re.match(r"^[^[*?]*", pattern)
        top = posixpath.dirname(prefix.group(0)) if prefix else ""
        wanted = re.compile(FileSystem.translate_pattern(pattern))
    found: list[tuple[str, str]] = []
    folders = [top] if top else []
    while folders:
        try:
            entries = list(os.scandir(folders.pop()))
        except OSError:  # a file given as input, or a folder that cannot be listed
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                folders.append(entry.path)
            elif entry.is_symlink() and (wanted is None or wanted.match(entry.path)):
                try:
                    os.stat(entry.path)
                except OSError as exc:
                    found.append((entry.path, exc.strerror or type(exc).__name__))
    return sorted(found)


def _dangling(path: str, why: str) -> Reject:
    try:
        target, when = os.readlink(path), os.lstat(path).st_mtime
    except OSError as exc:  # gone since the walk
        target, when = f"? ({exc.strerror})", 0.0
    return Reject(
        stage="read",
        reason="unreadable",
        input=display_path(path),
        fetched_at=datetime.fromtimestamp(int(when), UTC),
        detail=f"a symbolic link to {display_path(target)!r} that cannot be followed ({why})",
    )


class _MatchFn(beam.DoFn):
    def __init__(self) -> None:
        self._matched = Metrics.counter("read", "files_matched")

    def process(self, key: bytes) -> Iterator[Any]:
        pattern = key.decode("utf-8", "surrogateescape")
        for link, why in dangling_links(pattern):
            yield TaggedOutput(REJECTS, _dangling(link, why))
        error: str | None = None
        try:
            found = expand_pattern(pattern)
        except Exception as exc:  # an unreachable bucket or bad pattern: say so, keep going
            found, error = [], f"{type(exc).__name__}: {exc}"
        if not found:
            yield TaggedOutput(
                REJECTS,
                Reject(
                    stage="read",
                    reason="not_found",
                    input=display_path(pattern),
                    fetched_at=datetime.now(UTC).replace(microsecond=0),
                    detail="no file matches this input",
                    error=error,
                ),
            )
        for meta in found:
            self._matched.inc()
            yield meta


class _ReadFn(beam.DoFn):
    def __init__(self) -> None:
        self._read = Metrics.counter("read", "inputs")
        self._bytes = Metrics.counter("read", "bytes")

    def process(self, meta: FileMetadata) -> Iterator[Any]:
        fetched_at = datetime.fromtimestamp(int(meta.last_updated_in_seconds or 0), UTC)
        name = display_path(meta.path)
        try:
            if meta.size_in_bytes > MAX_INPUT_BYTES:
                raise TooLarge(f"{meta.size_in_bytes} bytes, cap {MAX_INPUT_BYTES}")
            check_regular(meta.path)
            # Opened as stored; the compression is sniffed and undone under the cap.
            with FileSystems.open(
                meta.path, compression_type=CompressionTypes.UNCOMPRESSED
            ) as handle:
                data = read_capped(handle, MAX_INPUT_BYTES)
        except TooLarge as exc:
            yield TaggedOutput(
                REJECTS,
                Reject(
                    stage="read",
                    reason="too_large",
                    input=name,
                    fetched_at=fetched_at,
                    detail=str(exc),
                ),
            )
            return
        except Exception as exc:  # permissions, corrupt or cut gzip (Unreadable): one row, go on
            yield TaggedOutput(
                REJECTS,
                Reject(
                    stage="read",
                    reason="unreadable",
                    input=name,
                    fetched_at=fetched_at,
                    error=f"{type(exc).__name__}: {exc}",
                ),
            )
            return
        self._read.inc()
        tally("inputs")
        self._bytes.inc(len(data))
        yield RawDocument(input=name, data=data, fetched_at=fetched_at)


def _path_key(path: str) -> bytes:
    return path.encode("utf-8", "surrogateescape")


class ReadInputs(beam.PTransform):
    """Patterns -> RawDocuments; patterns that match nothing become `not_found` rejects."""

    def __init__(self, patterns: list[str]) -> None:
        super().__init__()
        if not patterns:
            raise ValueError("ReadInputs needs at least one input pattern")
        self._patterns = list(patterns)

    def expand(self, pbegin: Any) -> Any:
        matched = (
            pbegin
            # As bytes: a name that is not UTF-8 (given to --input as it is) has no str coding.
            | "Patterns" >> beam.Create([_path_key(p) for p in self._patterns])
            | "Match" >> beam.ParDo(_MatchFn()).with_outputs(REJECTS, main="files")
        )
        read = (
            matched.files
            # Grouping by path spreads the reads over workers and reads a file named twice once.
            # The key is the name's bytes: a name that is not UTF-8 has no str encoding.
            | "KeyByPath" >> beam.Map(lambda meta: (_path_key(meta.path), meta))
            | "OncePerPath" >> beam.GroupByKey()
            | "First" >> beam.Map(lambda kv: next(iter(kv[1])))
            | "Read" >> beam.ParDo(_ReadFn()).with_outputs(REJECTS, main="documents")
        )
        rejects: PCollection = (matched[REJECTS], read[REJECTS]) | "ReadRejects" >> beam.Flatten()
        return read.documents, rejects
