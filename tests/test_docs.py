"""Every code example in the docs is executed or checked: Python examples run as doctests, the
commands run through the CLI, JSON and TOML parse, and the worked conversation for agents says
what the library says. The mkdocs site builds with --strict in .ci/run."""

from __future__ import annotations

import doctest
import json
import os
import re
import shlex
import tomllib
from pathlib import Path

import pytest

import tradeclock as tc
from tradeclock._cli import main
from tradeclock.workdays import FileCalendar

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").rglob("*.md"))
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)

#: Commands shown in the docs that this test does not run, and why.
NOT_RUN = {
    "python3 -m venv .venv": "the README's set-up; .ci/run runs it verbatim",
    ".venv/bin/pip install -q -e '.[docs]'": "the site build; .ci/run runs mkdocs --strict",
    "HYPOTHESIS_PROFILE=long": "the long verification run, on demand (minutes)",
    ".venv/bin/python scripts/mutants.py": "run by .ci/run after the tests",
    ".venv/bin/python benchmarks/": "benchmarks run on demand; their output is a measurement",
    "PYTHONHASHSEED=0 .venv/bin/python benchmarks/": "benchmarks run on demand (callgrind)",
}


def blocks(lang: str) -> list[tuple[str, str]]:
    """(page name, block text) of every fenced block in ``lang`` on every docs page."""
    out = []
    for page in PAGES:
        for found, text in FENCE.findall(page.read_text(encoding="utf-8")):
            if found == lang:
                out.append((str(page.relative_to(ROOT)), text))
    return out


def _ids(items: list[tuple[str, str]]) -> list[str]:
    return [f"{page}#{i}" for i, (page, _) in enumerate(items)]


PYTHON = blocks("python")


def test_there_are_examples() -> None:
    assert len(PYTHON) >= 4 and len(blocks("sh")) >= 2


@pytest.mark.parametrize(("page", "text"), PYTHON, ids=_ids(PYTHON))
def test_python_examples_run(page: str, text: str) -> None:
    if text.startswith("--8<-- "):  # a file included by the site build; it is run elsewhere
        assert (ROOT / text.split('"')[1]).is_file()
        return
    if text.startswith("# not run: "):
        assert len(text.splitlines()[0]) > len("# not run: ") + 10, "say why it is not run"
        return
    assert ">>>" in text, f"{page}: write Python examples as doctests (>>> with the output)"
    parser = doctest.DocTestParser()
    test = parser.get_doctest(text, {}, page, page, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    cwd = os.getcwd()
    os.chdir(ROOT)  # examples read examples/order.json
    try:
        runner.run(test)
    finally:
        os.chdir(cwd)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0 and result.failed == 0, f"{page}: a doctest failed (see above)"


def _run(page: str, command: str, where: Path) -> None:
    """Run a ``tradeclock ...`` command line from the docs in ``where``; it must succeed, or
    exit with the status its ``  # exit N`` comment shows."""
    command, _, status = command.partition("  # exit ")
    argv = shlex.split(command)
    assert argv[0].endswith("tradeclock"), f"{page}: {command!r} is neither run nor listed"
    cwd = os.getcwd()
    os.chdir(where)
    try:
        assert main(argv[1:]) == int(status or 0), f"{page}: {command}"
    finally:
        os.chdir(cwd)


SH = blocks("sh")


@pytest.mark.parametrize(("page", "text"), SH, ids=_ids(SH))
def test_commands_run(
    page: str, text: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "examples").symlink_to(ROOT / "examples")  # commands write files: not here
    for line in text.strip().splitlines():
        if any(line.startswith(prefix) for prefix in NOT_RUN):
            continue
        _run(page, line, tmp_path)
        capsys.readouterr()


def test_the_pictures_in_the_docs_are_there() -> None:
    for page in PAGES:
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page.read_text(encoding="utf-8")):
            data = (page.parent / target).read_bytes()
            picture = data.startswith(b"\x89PNG") or (
                target.endswith(".svg") and b"<svg" in data[:1000]
            )
            assert picture, f"{page.name}: {target}"


JSON = blocks("json")


@pytest.mark.parametrize(("page", "text"), JSON, ids=_ids(JSON))
def test_json_examples_parse(page: str, text: str) -> None:
    if "..." in text:
        return  # an abbreviated output, marked as such by "..."
    data = json.loads(text)
    if isinstance(data, dict) and "type" in data and "at" in data:
        tc.parse_event(data)  # an event of the log: the loader takes it


TOML = blocks("toml")


@pytest.mark.parametrize(("page", "text"), TOML, ids=_ids(TOML))
def test_toml_examples_load(page: str, text: str) -> None:
    data = tomllib.loads(text)
    if "years" in data:
        FileCalendar.from_toml(text)
    else:
        tc.load_rules(text)


def test_the_worked_conversation_for_agents_is_what_the_library_says() -> None:
    page = (ROOT / "docs" / "agents.md").read_text(encoding="utf-8")
    order = tc.load(ROOT / "examples" / "order.json")
    status = order.status("2026-11-08T12:00:00+08:00")
    shown = [json.loads(t) for lang, t in FENCE.findall(page) if lang == "json" and '"event"' in t]
    assert shown == [status.when_dict("refund_close")]
    plain = [t for lang, t in FENCE.findall(page) if lang == ""]
    text = order.explain("2026-11-08T12:00:00+08:00", lang="zh")
    assert plain and all(line in text for line in plain[0].strip().splitlines())


TRANSCRIPTS = [(page, text) for page, text in blocks("") if text.startswith("$ ")]


@pytest.mark.parametrize(("page", "text"), TRANSCRIPTS, ids=_ids(TRANSCRIPTS))
def test_transcripts_match_what_the_command_prints(
    page: str, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A shown session (``$ command`` then its output) is what the command prints today;
    ``...`` in a shown line stands for text left out."""
    lines = text.rstrip("\n").splitlines()
    command, shown = lines[0][2:], [line for line in lines[1:] if not line.startswith("$ ")]
    if any(command.startswith(prefix) for prefix in NOT_RUN):
        return
    _run(page, command, ROOT)
    printed = [line.rstrip() for line in capsys.readouterr().out.splitlines()]
    for line in shown:
        pattern = ".*".join(re.escape(part) for part in line.rstrip().split("..."))
        assert any(re.fullmatch(pattern, p) for p in printed), f"{page}: not printed: {line}"
