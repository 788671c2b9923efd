"""kill -9 during saves (the fast version of benchmarks/kill_probe.py): models and runs always load."""

import importlib.util
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the probe forks")


def _probe_module():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "kill_probe.py"
    spec = importlib.util.spec_from_file_location("kill_probe", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("probe", ["model", "run"])
def test_killed_saves_leave_a_loadable_model_and_no_growing_leftovers(tmp_path, probe):
    result = _probe_module().run_probes(kills=4, window=0.4, seed=1, root=tmp_path, probes=(probe,))[probe]
    rounds = result["rounds"]
    assert all(r["killed"] for r in rounds)  # each child was still saving when it was killed
    assert all(r["loaded"] and r["consistent"] for r in rounds)
    assert max(r["leftovers"] for r in rounds) <= 3  # what one killed save can leave; the next save removes it
    assert result["leftovers_at_end"] == []
