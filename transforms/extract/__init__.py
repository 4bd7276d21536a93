"""Extraction: metadata, and the mentions stage (named entities, quotes with speakers, dates)."""
