"""An ingest killed with SIGKILL leaves only whole policies, and running it again completes the batch."""
from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import kill_ingest  # noqa: E402

CLI = Path(sys.executable).parent / "policykg"


@pytest.mark.skipif(not CLI.exists(), reason="no policykg script next to the interpreter")
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_killed_ingest_leaves_whole_policies_and_a_rerun_completes_it(tmp_path, seed):
    batch = kill_ingest.lay_out(tmp_path, copies=4)
    expected = kill_ingest.reference(batch)
    delay = random.Random(seed).uniform(1.0, 8.0)
    result = kill_ingest.one_run(batch, tmp_path, expected, delay, [str(CLI)])
    assert result["half_written"] == []
    assert result["missing_after_rerun"] == []
    assert result["after_rerun"] == len(expected) == 24
