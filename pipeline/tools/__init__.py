"""Offline model tooling (training, evaluation, CoNLL reading): never copied into the worker image."""
