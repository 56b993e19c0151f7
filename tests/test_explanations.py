"""Golden explanations: what `explain` says about each public scenario, in Chinese and English.

tests/explanations/<scenario>.<lang>.txt holds the explanation at every instant the scenario
checks (its `expect` list). A change of wording shows up here as a diff a person reads; after
reading it, write the files again with

    .venv/bin/python tests/test_explanations.py --write
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import tradeclock as tc

HERE = Path(__file__).parent
OUT = HERE / "explanations"
SCENARIOS = sorted((HERE / "golden").glob("*.json")) + sorted(
    (HERE / "golden-lines").glob("*.json")
)
LANGS = ("zh", "en")


def render(path: Path, lang: str) -> str:
    """The explanations of scenario ``path`` at each of its instants (a refused log: the
    refusal, as the CLI prints it in ``lang``)."""
    scenario = json.loads(path.read_text(encoding="utf-8"))
    parts = [f"# {path.stem}: {scenario['name']}"]
    try:
        order = tc.load(scenario["order"])
    except tc.TradeclockError as err:
        return "\n".join([*parts, "", f"{err.kind}: {err.text(lang)}", ""])
    for expect in scenario["expect"]:
        parts += ["", order.explain(expect["now"], lang=lang)]
    return "\n".join(parts) + "\n"


CASES = [(path, lang) for path in SCENARIOS for lang in LANGS]


@pytest.mark.parametrize(("path", "lang"), CASES, ids=[f"{p.stem}-{lang}" for p, lang in CASES])
def test_the_explanation_is_the_golden_one(path: Path, lang: str) -> None:
    golden = OUT / f"{path.stem}.{lang}.txt"
    assert golden.exists(), f"{golden} is missing: python tests/test_explanations.py --write"
    assert render(path, lang) == golden.read_text(encoding="utf-8"), (
        f"{golden.name} differs: read the change, then python tests/test_explanations.py --write"
    )


def test_every_public_scenario_has_its_explanations() -> None:
    assert len(SCENARIOS) >= 14
    expected = {f"{p.stem}.{lang}.txt" for p, lang in CASES}
    assert {p.name for p in OUT.glob("*.txt")} == expected


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        raise SystemExit("usage: python tests/test_explanations.py --write")
    OUT.mkdir(exist_ok=True)
    for path, lang in CASES:
        (OUT / f"{path.stem}.{lang}.txt").write_text(render(path, lang), encoding="utf-8")
    print(f"wrote {len(CASES)} files to {OUT}")
