"""Input edge: match files and globs lazily inside the pipeline and read them as RawDocuments."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import apache_beam as beam
from apache_beam.io.filesystem import CompressionTypes, FileMetadata
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.pvalue import PCollection, TaggedOutput
from nordwire.pipeline.graph.stages import REJECTS
from nordwire.pipeline.progress import tally
from nordwire.schemas.items import RawDocument
from nordwire.schemas.rejects import Reject
from nordwire.transforms.parse import MAX_INPUT_BYTES

_GLOB = re.compile(r"[*?\[]")


def expand_pattern(pattern: str) -> list[FileMetadata]:
    """Files a pattern names: a glob, a file, or every file below a folder (sorted by path)."""
    if not _GLOB.search(pattern):
        below = FileSystems.match([pattern.rstrip("/") + "/**"])[0].metadata_list
        if below:
            return sorted(below, key=lambda m: m.path)
    found = FileSystems.match([pattern])[0].metadata_list
    return sorted(found, key=lambda m: m.path)


class _MatchFn(beam.DoFn):
    def __init__(self) -> None:
        self._matched = Metrics.counter("read", "files_matched")

    def process(self, pattern: str) -> Iterator[Any]:
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
                    input=pattern,
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
        try:
            if meta.size_in_bytes > MAX_INPUT_BYTES:
                raise _TooLarge(f"{meta.size_in_bytes} bytes, cap {MAX_INPUT_BYTES}")
            with FileSystems.open(meta.path, compression_type=CompressionTypes.AUTO) as handle:
                data = handle.read(MAX_INPUT_BYTES + 1)
            if len(data) > MAX_INPUT_BYTES:
                raise _TooLarge(f"over {MAX_INPUT_BYTES} bytes once decompressed")
        except _TooLarge as exc:
            yield TaggedOutput(
                REJECTS,
                Reject(
                    stage="read",
                    reason="too_large",
                    input=meta.path,
                    fetched_at=fetched_at,
                    detail=str(exc),
                ),
            )
            return
        except Exception as exc:  # unreadable file (permissions, corrupt gzip): one row, go on
            yield TaggedOutput(
                REJECTS,
                Reject(
                    stage="read",
                    reason="unreadable",
                    input=meta.path,
                    fetched_at=fetched_at,
                    error=f"{type(exc).__name__}: {exc}",
                ),
            )
            return
        self._read.inc()
        tally("inputs")
        self._bytes.inc(len(data))
        yield RawDocument(input=meta.path, data=data, fetched_at=fetched_at)


class _TooLarge(Exception):
    pass


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
            | "Patterns" >> beam.Create(self._patterns)
            | "Match" >> beam.ParDo(_MatchFn()).with_outputs(REJECTS, main="files")
        )
        read = (
            matched.files
            # Grouping by path spreads the reads over workers and reads a file named twice once.
            | "KeyByPath" >> beam.Map(lambda meta: (meta.path, meta))
            | "OncePerPath" >> beam.GroupByKey()
            | "First" >> beam.Map(lambda kv: next(iter(kv[1])))
            | "Read" >> beam.ParDo(_ReadFn()).with_outputs(REJECTS, main="documents")
        )
        rejects: PCollection = (matched[REJECTS], read[REJECTS]) | "ReadRejects" >> beam.Flatten()
        return read.documents, rejects
