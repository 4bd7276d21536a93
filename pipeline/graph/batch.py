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


def process_items(items: PCollection, tz: ZoneInfo) -> tuple[PCollection, PCollection]:
    """Identified items -> (finished articles, rejects): dedup, normalise, language, extract, topic."""
    unique = items | "DropDuplicates" >> DropDuplicates()
    clean = unique.items | "Normalise" >> Normalise()
    norwegian = clean.items | "DetectLanguage" >> DetectLanguage()
    extracted = norwegian.items | "ExtractMetadata" >> ExtractMetadata(tz)
    analysed = extracted.items | "ExtractMentions" >> ExtractMentions(tz)
    topics = analysed.items | "ClassifyTopic" >> ClassifyTopic()
    stages = [unique, clean, norwegian, extracted, analysed, topics]
    rejects = [s[REJECTS] for s in stages] | "ItemRejects" >> beam.Flatten()
    return topics.items, rejects


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
    if config.feeds:
        documents = p | "FetchFeeds" >> FetchFeeds(config.feed_urls)
        articles, rejects = process(documents, tz)
    else:
        inputs = list(config.inputs) or sample_inputs()
        documents, read_rejects = p | "ReadInputs" >> ReadInputs(inputs)
        articles, stage_rejects = process(documents, tz)
        rejects = (read_rejects, stage_rejects) | "AllRejects" >> beam.Flatten()
    written = (articles, rejects) | "WriteTables" >> WriteTables(config.output, tz)
    return Outputs(articles=articles, rejects=rejects, written=written)
