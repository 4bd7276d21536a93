"""The batch graph: read -> parse -> identity -> dedup -> normalise -> language -> extract -> entities -> topic -> write."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from zoneinfo import ZoneInfo

import apache_beam as beam
from apache_beam.pvalue import PCollection
from nordwire.pipeline.config import JobConfig
from nordwire.pipeline.graph.stages import (
    REJECTS,
    AssignIds,
    ClassifyTopic,
    DetectLanguage,
    DropDuplicates,
    ExtractMentions,
    ExtractMetadata,
    Normalise,
    ParseDocuments,
)
from nordwire.pipeline.io.feed_sources import FetchFeeds
from nordwire.pipeline.io.sink import WriteTables
from nordwire.pipeline.io.sources import ReadInputs


def sample_inputs() -> list[str]:
    """The sample feeds and wire text shipped inside the package."""
    folder = resources.files("nordwire.pipeline").joinpath("samples")
    return sorted(str(f) for f in folder.iterdir() if f.is_file() and not f.name.startswith("."))


@dataclass(frozen=True)
class Outputs:
    """The graph's ends, for tests and for the streaming face to reuse."""

    articles: PCollection
    rejects: PCollection
    written: PCollection


def analyse(unique: PCollection, tz: ZoneInfo) -> tuple[PCollection, list[PCollection]]:
    """One copy per story -> (finished articles, each stage's rejects): normalise, language,
    extract, topic. The batch and the stream share it after their own dedup."""
    clean = unique | "Normalise" >> Normalise()
    norwegian = clean.items | "DetectLanguage" >> DetectLanguage()
    extracted = norwegian.items | "ExtractMetadata" >> ExtractMetadata(tz)
    analysed = extracted.items | "ExtractMentions" >> ExtractMentions(tz)
    topics = analysed.items | "ClassifyTopic" >> ClassifyTopic()
    return topics.items, [s[REJECTS] for s in (clean, norwegian, extracted, analysed, topics)]


def process_items(items: PCollection, tz: ZoneInfo) -> tuple[PCollection, PCollection]:
    """Identified items -> (finished articles, rejects): dedup, normalise, language, extract, topic."""
    unique = items | "DropDuplicates" >> DropDuplicates()
    articles, rejects = analyse(unique.items, tz)
    return articles, [unique[REJECTS], *rejects] | "ItemRejects" >> beam.Flatten()


def process(documents: PCollection, tz: ZoneInfo) -> tuple[PCollection, PCollection]:
    """The core stages over RawDocuments: (finished items, every reject on the way)."""
    parsed = documents | "ParseDocuments" >> ParseDocuments()
    ids = parsed.items | "AssignIds" >> AssignIds()
    articles, item_rejects = process_items(ids.items, tz)
    rejects = (parsed[REJECTS], ids[REJECTS], item_rejects) | "StageRejects" >> beam.Flatten()
    return articles, rejects


def build(p: beam.Pipeline, config: JobConfig) -> Outputs:
    """Add the bounded graph to `p`: over input files (matched lazily, so building touches no
    file), or over every feed fetched once."""
    tz = config.timezone
    fetches: tuple[PCollection, ...] = ()  # a poll-once job's fetch log, for the feeds table
    if config.feeds:
        documents, read_rejects, fetched = p | "FetchFeeds" >> FetchFeeds(list(config.feeds))
        fetches = (fetched,)
    else:
        inputs = list(config.inputs) or sample_inputs()
        documents, read_rejects = p | "ReadInputs" >> ReadInputs(inputs)
    articles, stage_rejects = process(documents, tz)
    rejects = (read_rejects, stage_rejects) | "AllRejects" >> beam.Flatten()
    written = (articles, rejects, *fetches) | "WriteTables" >> WriteTables(config.output, tz)
    return Outputs(articles=articles, rejects=rejects, written=written)
