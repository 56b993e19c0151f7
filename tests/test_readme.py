"""The README's examples run, and .ci/run runs exactly the README's two commands."""

from __future__ import annotations

import doctest
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def _commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", README.read_text(encoding="utf-8"))


def test_readme_python_examples_run() -> None:
    cwd = os.getcwd()
    os.chdir(ROOT)  # the examples read examples/order.json
    try:
        result = doctest.testfile(
            str(README),
            module_relative=False,
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        )
    finally:
        os.chdir(cwd)
    assert result.attempted >= 5
    assert result.failed == 0


def test_readme_opens_with_two_commands_that_ci_runs_verbatim() -> None:
    commands = _commands()
    assert len(commands) == 2
    setup, tests = commands
    assert "tradeclock status examples/" in setup and "pip install" in setup
    assert "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    # verbatim; "|| exit 1" because set -e does not stop inside an "a && b" list
    assert f"{setup} || exit 1" in ci and f"{tests} || exit 1" in ci


def test_the_example_order_in_the_readme_exists() -> None:
    assert (ROOT / "examples" / "order.json").is_file()
