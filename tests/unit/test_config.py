"""The job parameters: one declaration, parsed once, each flag refused where it means nothing."""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta

import pytest
from nordwire.pipeline.config import (
    PARAMETERS,
    ConfigError,
    check_beam_args,
    is_local,
    parse,
)
from nordwire.pipeline.template import from_template_argv

from tests.conftest import ROOT

URL = "https://www.nrk.no/toppsaker.rss"
DATAFLOW = [
    "--runner",
    "DataflowRunner",
    "--project",
    "p",
    "--region",
    "europe-north1",
    "--temp_location",
    "gs://b/tmp",
]


def test_one_default_for_the_dedup_memory_of_poller_and_stream() -> None:
    poll = parse("poll", {"feeds": [URL]})
    stream = parse("stream", {"feeds": [URL]}, DATAFLOW)
    assert poll.dedup_memory == stream.dedup_memory == timedelta(days=30)
    assert stream.lateness == timedelta(hours=6)
    assert parse("poll", {"feeds": [URL], "dedup_days": 2.0}).dedup_memory == timedelta(days=2)


@pytest.mark.parametrize(
    ("command", "args", "message"),
    [
        ("poll", ["--window", "60"], "--window applies to `nordwire stream`"),
        ("run", ["--interval", "60"], "--interval applies to `nordwire poll` and `nordwire stream`"),
        ("stream", ["--max-cycles", "2"], "--max-cycles applies to `nordwire poll`"),
        ("poll", ["--input", "x.xml"], "--input applies to `nordwire run`"),
        ("run", ["--inptu", "x.xml"], "no such option: --inptu (did you mean --input?)"),
        ("run", ["--ouput", "x"], "no such option: --ouput (did you mean --output?)"),
        ("run", ["--frobnicate"], "no such option: --frobnicate"),
        ("poll", ["--dedup_days", "3"], "write --dedup-days"),
    ],
)
def test_a_flag_in_the_wrong_place_is_a_clear_error(
    command: str, args: list[str], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        check_beam_args(command, args)
    assert message in str(caught.value)


def test_beams_own_options_pass() -> None:
    check_beam_args("run", ["--direct_num_workers", "2", "--direct_running_mode=multi_processing"])
    check_beam_args("stream", [*DATAFLOW, "--streaming", "--dry_run=True"])


def test_each_command_runs_only_where_it_can() -> None:
    with pytest.raises(ConfigError, match="runs on this machine"):
        parse("poll", {"feeds": [URL]}, DATAFLOW)
    with pytest.raises(ConfigError, match="streaming runner"):
        parse("stream", {"feeds": [URL]})
    with pytest.raises(ConfigError, match="needs --feeds"):
        parse("poll", {})
    with pytest.raises(ConfigError, match="not both"):
        parse("run", {"input": ["a.xml"], "feeds": [URL]})
    with pytest.raises(ConfigError, match="not a known time zone"):
        parse("run", {"timezone": "Europe/Atlantis"})
    with pytest.raises(ConfigError, match="local --state-dir"):
        parse("poll", {"feeds": [URL], "output": "gs://b/out"})
    assert is_local(None) and is_local("DirectRunner") and not is_local("DataflowRunner")


def test_lists_may_be_repeated_or_comma_separated() -> None:
    config = parse("run", {"input": ["a.xml,b.xml", "c.xml"]})
    assert config.inputs == ("a.xml", "b.xml", "c.xml")
    config = parse("run", {"feeds": [f"{URL},https://www.vg.no/rss/feed"]})
    assert config.feed_urls == [URL, "https://www.vg.no/rss/feed"]


def test_the_template_launcher_parses_with_the_same_code() -> None:
    config = from_template_argv(
        [
            "--command=stream",
            f"--feeds={URL}",
            "--output=gs://b/out",
            "--window=60",
            "--dedup_days=2",
            *DATAFLOW,
        ]
    )
    assert config.command == "stream" and config.feed_urls == [URL]
    assert config.window == timedelta(seconds=60) and config.dedup_memory == timedelta(days=2)
    assert config.runner == "DataflowRunner" and "--window=60" not in config.beam_args
    once = from_template_argv(["--command=run", f"--feeds={URL}", "--output=gs://b/o", *DATAFLOW])
    assert once.command == "run" and once.feeds and not once.inputs
    with pytest.raises(ConfigError, match="does not match"):
        from_template_argv(["--command=once", "--output=gs://b/o", *DATAFLOW])


def test_every_package_folder_is_installed_under_the_nordwire_namespace() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {
        "nordwire." + ".".join(p.parent.relative_to(ROOT).parts)
        for top in ("pipeline", "transforms", "schemas")
        for p in (ROOT / top).rglob("__init__.py")
    }
    data = {"nordwire.pipeline.samples", "nordwire.transforms.models"}  # files, no code
    assert set(setuptools["packages"]) == folders | data
    assert data <= set(setuptools["package-data"])
    assert all(k.startswith("nordwire.") for k in setuptools["package-dir"])


def layout_paths(page: str) -> set[str]:
    """The paths the layout page's tree names: two spaces of indent per folder level."""
    tree = page.split("```")[1]
    folders: list[str] = []
    paths = set()
    for line in tree.splitlines():
        match = re.match(r"^( *)([\w.]+/?)\s", line + " ")
        if not match:
            continue
        depth = len(match.group(1)) // 2
        del folders[depth:]
        name = match.group(2)
        if name.endswith("/"):
            folders.append(name)
        elif name.endswith(".py"):
            paths.add("".join(folders) + name)
    return paths


def test_the_layout_page_names_every_module_in_its_folder() -> None:
    listed = layout_paths((ROOT / "docs" / "layout.md").read_text("utf-8"))
    modules = {
        p.relative_to(ROOT).as_posix()
        for top in ("pipeline", "transforms", "schemas")
        for p in (ROOT / top).rglob("*.py")
        if p.name != "__init__.py"
    }
    assert modules <= listed, f"docs/layout.md misses {sorted(modules - listed)}"
    assert listed <= modules, f"docs/layout.md names what is gone: {sorted(listed - modules)}"


def test_every_parameter_has_help_and_a_home() -> None:
    for p in PARAMETERS:
        assert p.help and p.label
        assert p.commands or p.template, p.name
