"""The token-alignment experiment extends the pair model's features in its own process only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from semcache.verify import features

ROOT = Path(__file__).resolve().parents[3]
PROBE = """
from tools.experiments.align_features import install
install("both")
from semcache.verify import features, model
from semcache.calibration import table
v = features.vector("What is the capital of France?", "What is the capital of Germany?", 0.65)
same = features.vector("What is the capital of France?", "What is the capital of France?", 1.0)
assert table.NAMES == features.NAMES and len(v) == len(features.NAMES) == len(model.shipped().weights)
print(features.NAMES[-2:], round(v[-1], 2), round(same[-1], 2))
"""


def test_the_experiment_adds_two_alignment_features_that_tell_a_changed_slot() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    names, changed, identical = done.stdout.rsplit(" ", 2)
    assert names == "('align_f1', 'align_worst')"
    # "Germany" has no counterpart in "...of France?": its worst-aligned piece sits far below an identical pair's.
    assert float(changed) < float(identical) - 1.0
    assert "align_f1" not in features.NAMES  # this process is untouched
