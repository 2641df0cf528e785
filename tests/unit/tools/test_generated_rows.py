"""The generated-rows experiment joins each fit's training rows with pairs generated from that fit's own
files only, weighing the number of files asked; in its own process, so no other test sees the change."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PROBE = """
import numpy as np
from semcache.calibration import learn
from semcache.calibration.table import build
from tests.unit.calibration.test_learn import rows
from tools.experiments.generated_rows import install

tables = [build(f"f{i}", rows(0.01 * i), has_negatives=True) for i in range(3)]
x0, y0, w0 = learn.training_rows(tables[:2])
generated = {"f0": (np.ones((5, x0.shape[1])), np.zeros(5)), "f2": (np.ones((7, x0.shape[1])), np.ones(7))}
install(generated, 2.0)
x, y, w = learn.training_rows(tables[:2])
extra = w[len(w0):]
print(len(x) - len(x0), int(y[len(y0):].sum()), round(float(extra.sum() / (w0.sum() / 2)), 6))
"""


def test_only_the_folds_own_files_add_rows_weighing_the_files_asked() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    # f2 is not in this fit: only f0's five (not same) rows join, together as heavy as two files.
    assert done.stdout.split() == ["5", "0", "2.0"]
