"""Shared fixtures: tiny configs that train in well under a second on a CPU."""

from __future__ import annotations

import pytest


def tiny_image_config(**train) -> dict:
    """A DCGAN on the 8x8 digits, small enough to train a few steps in well under a second."""
    return {
        "name": "tiny",
        "data": {"source": "digits"},
        "model": {"arch": "dcgan", "latent_dim": 8, "width": 8},
        "gan": {"loss": "nonsaturating"},
        "train": {"steps": 6, "batch_size": 16, "log_every": 2, "sample_every": 3, "checkpoint_every": 3,
                  "progress": False, "tensorboard": False, **train},
    }


@pytest.fixture(scope="module")
def tiny_image_run(tmp_path_factory):
    """A run folder of ``tiny_image_config`` trained 2 steps through the command line (one per test module)."""
    import yaml

    from ganforge.cli import main

    run = tmp_path_factory.mktemp("image") / "run"
    path = run.parent / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_image_config()))
    assert main(["train", str(path), "--out", str(run), "--set", "train.steps=2", "-q"]) == 0
    return run


@pytest.fixture
def tiny_config():
    return tiny_image_config


def pytest_configure(config):
    """Tiny models run fastest, and most repeatably, on one thread."""
    import torch

    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _console_at_normal():
    """Each test starts at the default verbosity with stdout for info lines (``main(['-q', ...])`` sets a
    process-wide level that would otherwise leak into the next test)."""
    from ganforge import console

    console.set_verbosity(console.NORMAL)
    console.output_on_stdout(False)
    yield
