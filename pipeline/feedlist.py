"""The feeds to poll: URLs and YAML feed lists (`feeds: [{name, url}]`), checked once.

A feed list is a local file, or a `gs://...yaml` object read through Beam's FileSystems (how
the Flex Template and the scheduled job take the feeds file).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed to poll."""

    name: str
    url: str


class FeedsError(ValueError):
    """The feeds list cannot be used."""


def _check_url(url: str, where: str) -> str:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (reading it checks it: a port past 65535 raises)
    except ValueError as exc:  # http://[::1 (an unclosed IPv6 bracket), http://host:99999
        raise FeedsError(f"{where}: {url!r} is not a valid URL ({exc})") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FeedsError(f"{where}: {url!r} is not an http(s) URL")
    return url


def is_feed_list(spec: str) -> bool:
    """A remote feeds file (gs://bucket/feeds.yaml) rather than a feed's URL."""
    return not spec.startswith(("http://", "https://")) and spec.endswith((".yaml", ".yml"))


def _read_list(spec: str) -> bytes:
    if "://" not in spec:
        path = Path(spec)
        if not path.is_file():
            raise FeedsError(f"--feeds {spec!r} is neither a URL nor a file")
        return path.read_bytes()
    from apache_beam.io.filesystems import FileSystems

    try:
        with FileSystems.open(spec) as handle:
            data: bytes = handle.read()
    except Exception as exc:  # no such object, no access, no filesystem for the scheme
        raise FeedsError(f"--feeds {spec!r} cannot be read: {str(exc).splitlines()[0]}") from exc
    return data


def load_feeds(specs: list[str]) -> list[Feed]:
    """Feeds from URLs and YAML files (`feeds: [{name, url}, ...]`), duplicates dropped."""
    feeds: dict[str, Feed] = {}
    for spec in specs:
        if "://" in spec and not is_feed_list(spec):
            url = _check_url(spec, "--feeds")
            feeds.setdefault(url, Feed(urlsplit(url).hostname or url, url))
            continue
        try:
            data = yaml.safe_load(_read_list(spec).decode("utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise FeedsError(f"{spec}: not valid YAML ({str(exc).splitlines()[0]})") from exc
        entries = data.get("feeds") if isinstance(data, dict) else None
        if not isinstance(entries, list) or not entries:
            raise FeedsError(f"{spec}: expected `feeds:` with a list of {{name, url}}")
        for i, entry in enumerate(entries, 1):
            if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
                raise FeedsError(f"{spec}: feed {i} has no url")
            url = _check_url(entry["url"].strip(), f"{spec}: feed {i}")
            feeds.setdefault(url, Feed(str(entry.get("name") or urlsplit(url).hostname), url))
    if not feeds:
        raise FeedsError("no feeds given")
    return list(feeds.values())
