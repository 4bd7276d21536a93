"""Identity stage: a stable article_id from a real guid, else the cleaned link, else the text."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from nordwire.schemas.items import Item

# Query parameters that track a click, not identify a page.
_TRACKING_EXACT = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "ref",
        "ref_src",
        "referrer",
        "source",
        "src",
        "cmpid",
        "xtor",
        "spm",
        "_ga",
        "_gl",
        "ncid",
        "ocid",
        "sr_share",
        "share",
        "s_cid",
        "at_medium",
        "at_campaign",
    }
)
_TRACKING_PREFIXES = ("utm_", "ns_", "at_", "pk_", "mtm_", "hsa_", "vero_", "oly_")
_WS = re.compile(r"\s+")


def canonical_url(link: str | None) -> str | None:
    """The link without tracking parameters, fragment or default port; None if it is not http(s)."""
    if not link:
        return None
    text = html.unescape(link.strip())  # feeds escape slashes as &#x2F;
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in _TRACKING_EXACT and not k.lower().startswith(_TRACKING_PREFIXES)
    ]
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), host, path, urlencode(sorted(query)), ""))


def _identity_url(url: str) -> str:
    # http/https, www. and a trailing slash do not make a different story.
    parts = urlsplit(url)
    host = parts.netloc.removeprefix("www.")
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("https", host, path, parts.query, ""))


def _fold(text: str) -> str:
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def identity_key(item: Item) -> tuple[str, str]:
    """(basis, key): the canonical identity the id is a hash of."""
    url = canonical_url(item.link)
    if item.guid:
        guid_url = canonical_url(item.guid) if "://" in item.guid else None
        if guid_url:
            return "guid", "url:" + _identity_url(guid_url)
        return "guid", f"guid:{item.source}:{item.guid.strip()}"
    if url:
        return "url", "url:" + _identity_url(url)
    text = item.title_raw or item.summary_raw or item.content_raw or ""
    return "text", "\x1f".join(
        ("text", item.source, _fold(text)[:300], (item.published_raw or "").strip())
    )


def assign_id(item: Item) -> Item:
    """Set article_id, identity_basis and the cleaned url."""
    basis, key = identity_key(item)
    return item.evolve(article_id=_digest(key), identity_basis=basis, url=canonical_url(item.link))
