"""The notebooks run: each in a clean kernel (nbclient), the quickstart also in this process
with its answers checked; and they are committed without outputs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_quickstart_notebook_runs() -> None:
    nb = json.loads((ROOT / "notebooks" / "quickstart.ipynb").read_text(encoding="utf-8"))
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert len(cells) >= 5
    namespace: dict[str, object] = {}
    cwd = os.getcwd()
    os.chdir(ROOT / "notebooks")  # the notebook reads ../examples/order.json
    try:
        for source in cells:
            exec(compile(source, "quickstart.ipynb", "exec"), namespace)
    finally:
        os.chdir(cwd)
    later = namespace["later"]
    assert later.state == "success"  # type: ignore[attr-defined]
    money = namespace["money"]
    # BOC, paid out Saturday 2026-11-21: processed Monday the 23rd; 5th working day 30 Nov,
    # 10th working day 7 Dec (the window ends at 24:00 of it)
    assert money.earliest.isoformat() == "2026-11-30T00:00:00+08:00"  # type: ignore[attr-defined]
    assert money.at.isoformat() == "2026-12-08T00:00:00+08:00"  # type: ignore[attr-defined]


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_the_walkthrough_and_the_presets_notebooks() -> None:
    assert {p.stem for p in NOTEBOOKS} >= {"quickstart", "walkthrough", "presets"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_a_clean_kernel(path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    if path.stem == "walkthrough":  # the timeline pictures were drawn and shown
        pictures = [o for o in outputs if "image/png" in o.get("data", {})]
        assert len(pictures) >= 3
