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
# A publisher's article number as a whole path segment: 77305439, 1.16136314, 5-4-1234567.
_NUMBER_ID = re.compile(r"^(?:\d{1,4}[.-]){0,3}\d{5,}$")
# A slug ending in the article number: ...-bodo-kommune-1.16136753, ...-headline-77305439.
_SLUG_ID = re.compile(r"^(?=.*[^\W\d_])[\w%.-]*?-((?:\d{1,4}\.)?\d{5,})$")
# A short id after a one-letter marker segment (/i/GM3ozm/slug, /a/15181875): letters and digits.
_SHORT_ID = re.compile(r"^[A-Za-z0-9]{5,16}$")
# Second-level labels under which a country-code domain sells names (bbc.co.uk, abc.net.au).
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu", "or", "ne", "go"})


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


def site_of(host: str | None) -> str | None:
    """The registrable domain of a host (nrk.no for tv.nrk.no, bbc.co.uk for www.bbc.co.uk)."""
    if not host:
        return None
    labels = [part for part in host.lower().rstrip(".").split(".") if part]
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:]) or None


def story_number(url: str | None) -> str | None:
    """The publisher's own article id in a cleaned link's path, or None if it shows none.

    Publishers' article URLs come in a short permalink form and a long slug form around one id:
    `/a/77305439` and `/nyheter/some-headline/77305439`, `/i/GM3ozm` and
    `/sport/i/GM3ozm/some-headline`, `/slug-1.16136314`. The id is the last path segment when it
    is a number of five or more digits (dots and dashes between groups allowed), the number a
    slug ends in, a number right before a closing slug, or the letters-and-digits token after a
    one-letter marker segment (`/i/`, `/a/`, `/s/`).
    """
    if not url:
        return None
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if not segments:
        return None
    last = segments[-1]
    if _NUMBER_ID.match(last):
        return last
    m = _SLUG_ID.match(last)
    if m:
        return m.group(1)
    for i in range(len(segments) - 2, -1, -1):
        marker, token = segments[i], segments[i + 1]
        # An all-letter token must mix cases to be an id and not a word (/i/nyheter).
        idish = any(c.isdigit() for c in token) or token not in (token.lower(), token.upper())
        if len(marker) == 1 and marker.isalpha() and _SHORT_ID.match(token) and idish:
            return token
    if len(segments) >= 2 and _NUMBER_ID.match(segments[-2]) and any(c.isalpha() for c in last):
        return segments[-2]
    return None


def _story_key(url: str) -> str | None:
    number = story_number(url)
    if number is None:
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    # The query stays: a live blog's posts (?post=123) are stories of their own.
    return f"story:{host}/{number}" + (f"?{parts.query}" if parts.query else "")


def _fold(text: str) -> str:
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def identity_key(item: Item) -> tuple[str, str]:
    """(basis, key): the canonical identity the id is a hash of.

    A link or URL guid that shows the publisher's article id (`story_number`) is keyed on host
    and id, so the permalink and slug forms of one story meet; other URLs on the whole cleaned
    URL; a guid that is not a URL on itself, unless it is the very id its link shows.
    """
    url = canonical_url(item.link)
    if item.guid:
        guid = item.guid.strip()
        guid_url = canonical_url(guid) if "://" in guid else None
        if guid_url:
            # A real guid is unique in its feed, so its fragment may be all that tells a live
            # blog's posts apart (.../a/123#post-1001): it stays in the key.
            fragment = urlsplit(html.unescape(guid)).fragment
            key = _story_key(guid_url) or "url:" + _identity_url(guid_url)
            return "guid", key + (f"#{fragment}" if fragment else "")
        story = _story_key(url) if url and story_number(url) == guid else None
        if story:
            return "guid", story
        return "guid", f"guid:{item.source}:{guid}"
    if url:
        return "url", _story_key(url) or "url:" + _identity_url(url)
    text = item.title_raw or item.summary_raw or item.content_raw or ""
    return "text", "\x1f".join(
        ("text", item.source, _fold(text)[:300], (item.published_raw or "").strip())
    )


def assign_id(item: Item) -> Item:
    """Set article_id, identity_basis and the cleaned url."""
    basis, key = identity_key(item)
    return item.evolve(article_id=_digest(key), identity_basis=basis, url=canonical_url(item.link))
