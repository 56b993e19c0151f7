"""The notebook's code cells run, in order, against the current library."""

from __future__ import annotations

import json
import os
from pathlib import Path

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
    assert money.earliest.isoformat() == "2026-11-29T16:00:00+00:00"  # type: ignore[attr-defined]
    assert money.at.isoformat() == "2026-12-07T16:00:00+00:00"  # type: ignore[attr-defined]
