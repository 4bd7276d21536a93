"""Text in languages the language model has no class of its own for: training text for `other`.

A text in a language nordwire does not know is not Norwegian, and the model learns what such a
text looks like from real text in many languages: the test samples of Google's CLD2 language
detector (Apache-2.0), one or two paragraphs in each of about 160 languages. They ship in the
source distribution of pycld2 on PyPI, which `make train-langid` fetches with pip (pinned,
checksum verified) into a cache folder; nothing of it is committed. Only Latin-script samples
are kept (other scripts are rejected before the model), and none in the model's own languages.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
import tarfile
import unicodedata
from pathlib import Path

PACKAGE = "pycld2"
VERSION = "0.42"
SHA256 = "5188084c97f99e896cf464057c64f6b0f91f68d111182dceb5bcfe487d7f4c0f"
MEMBER = f"{PACKAGE}-{VERSION}/cld2/internal/unittest_data.h"
# The model's own languages, and CLD2's samples that are no language (junk, version strings).
OWN = frozenset({"da", "de", "en", "nb", "nn", "no", "sv"})
_NOT_LANGUAGE = re.compile(r"^(?:zz|xx|version|sit)|bad_UTF")
_SAMPLE = re.compile(r'^const char\* kTeststr_(\w+?) = "(.*)";\s*$')


def default_cache() -> Path:
    """Where the downloaded source distribution is kept between training runs."""
    return Path.home() / ".cache" / "nordwire"


def sdist(cache: Path) -> Path:
    """pycld2's source distribution in `cache`, downloaded with pip when missing; checksum verified."""
    path = cache / f"{PACKAGE}-{VERSION}.tar.gz"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary",
             ":all:", "--dest", str(cache), f"{PACKAGE}=={VERSION}"],
            check=True,
        )  # fmt: skip
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SHA256:
        raise ValueError(f"{path}: sha256 {digest}, expected {SHA256}")
    return path


def parse_samples(header: str) -> dict[str, str]:
    """CLD2's `kTeststr_<lang>_<script>` strings (the UTF-8 half of the header) by name."""
    utf8 = header.split("#ifndef avoid_utf8_string_constants", 1)[-1].split("#else", 1)[0]
    out: dict[str, str] = {}
    for line in utf8.splitlines():
        match = _SAMPLE.match(line)
        if match:
            out[match.group(1)] = match.group(2).replace('\\"', '"')
    return out


def latin(text: str) -> bool:
    """Mostly Latin letters (the model's script; other scripts never reach it)."""
    letters = [ch for ch in text if ch.isalpha()]
    inside = sum(1 for ch in letters if ch < "\u0250" or "LATIN" in unicodedata.name(ch, ""))
    return bool(letters) and inside >= 0.5 * len(letters)


def other_samples(cache: Path) -> dict[str, str]:
    """Latin-script sample text by language code, for every language but the model's own.

    A language with two samples (`ceb_Latn`, `ceb_Latn2`) gets them joined.
    """
    with tarfile.open(sdist(cache)) as archive:
        member = archive.extractfile(MEMBER)
        assert member is not None
        header = member.read().decode("utf-8")
    out: dict[str, str] = {}
    for name, text in sorted(parse_samples(header).items()):
        language = name.split("_", 1)[0]
        if language in OWN or _NOT_LANGUAGE.search(name) or not latin(text):
            continue
        out[language] = f"{out[language]} {text}".strip() if language in out else text.strip()
    return out
