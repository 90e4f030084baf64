"""The notebooks of examples/notebooks run headless, every cell, in this interpreter: quickstart.ipynb
(the core) and live_engine.ipynb (the live engine, rtrisk.live)."""
import json
import os
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import ROOT


@pytest.mark.parametrize("name", ["quickstart.ipynb", "live_engine.ipynb"])
def test_notebook_executes(tmp_path, monkeypatch, name):
    # A kernelspec that runs this interpreter (the one rtrisk is installed in), whatever
    # "python3" kernels the machine has.
    spec = tmp_path / "kernels" / "rtrisk-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "rtrisk test", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    path = ROOT / "examples" / "notebooks" / name
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="rtrisk-test", timeout=300,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {}) for o in outputs)
    assert not any(o.get("output_type") == "error" for o in outputs)
