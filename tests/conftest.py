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


SOUND_KINDS = ("wavegan", "specgan", "musegan")


def tiny_audio_file() -> str:
    """A labelled .npz of 12 one-second tones (3 classes, 16 kHz; written once per session)."""
    import atexit
    import shutil
    import tempfile
    from pathlib import Path

    import numpy as np

    global _TINY_AUDIO
    if _TINY_AUDIO is None or not Path(_TINY_AUDIO).is_file():
        t = np.arange(16384) / 16000
        label = np.arange(12) % 3
        audio = 0.5 * np.sin(2 * np.pi * (220 * (1 + label[:, None])) * t) * np.hanning(16384)
        folder = tempfile.mkdtemp(prefix="ganforge-sound-")
        atexit.register(shutil.rmtree, folder, True)  # the session's file, not left in /tmp
        _TINY_AUDIO = str(Path(folder) / "tones.npz")
        np.savez(_TINY_AUDIO, audio=(audio * 32767).astype(np.int16), label=label, sample_rate=16000)
    return _TINY_AUDIO


_TINY_AUDIO = None


def tiny_sound_config(kind: str, **train) -> dict:
    """A sound GAN of width 2-4 on the tiny tones (wavegan, specgan) or 16 chorale phrases (musegan); SpecGAN
    samples with 2 Griffin-Lim iterations (16 by default)."""
    cfg = tiny_image_config(**train)
    music = kind == "musegan"
    cfg["data"] = {"source": "chorales", "n": 16} if music else {"source": tiny_audio_file()}
    cfg["model"] = {"latent_dim": 4, "width": 4 if music else 2, "d_norm": "none"}
    cfg["gan"] = {"kind": kind, "loss": "wasserstein", "penalty": "gradient_penalty"}
    cfg["train"]["batch_size"] = 4
    if kind == "specgan":  # phase recovery of the 64 preview clips, not training, was most of a tiny run
        cfg["specgan"] = {"griffin_lim_iterations": 2}
    return cfg


@pytest.fixture
def tiny_config():
    return tiny_image_config


SUITE_THREADS = 1


def pytest_collection_modifyitems(items):
    """The ``heavy`` tests first (a stable sort): with ``-n 2`` the longest test no longer starts last on one
    worker while the other sits idle -- longest-first scheduling."""
    items.sort(key=lambda item: item.get_closest_marker("heavy") is None)


def pytest_configure(config):
    """Tiny models run fastest, and most repeatably, on one thread."""
    import torch

    torch.set_num_threads(SUITE_THREADS)


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Each test starts on the suite's one thread: a count left behind by a test or a test module's import
    (once, ``torch.set_num_threads(2)`` at import) made every later test oversubscribe the cores -- 20x slower
    on a busy 2-core machine."""
    import torch

    if torch.get_num_threads() != SUITE_THREADS:
        torch.set_num_threads(SUITE_THREADS)
    yield


@pytest.fixture(autouse=True)
def _console_at_normal():
    """Each test starts at the default verbosity with stdout for info lines (``main(['-q', ...])`` sets a
    process-wide level that would otherwise leak into the next test)."""
    from ganforge import console

    console.set_verbosity(console.NORMAL)
    console.output_on_stdout(False)
    yield


@pytest.fixture(scope="session", autouse=True)
def chorales_file(tmp_path_factory):
    """The shared Bach chorales file, or (on a machine without it, e.g. a fresh clone) a small synthetic
    file of the same layout -- 24 four-voice "chorales" of random-walk pitches -- found through
    $GANFORGE_DATA, so the piano-roll GAN's tests run everywhere."""
    import os

    import numpy as np

    from ganforge.data.shared import ENV_DATA, shared_file
    from ganforge.errors import DataError

    try:
        yield shared_file("bach_chorales_16th.npz", "the Bach chorales data set")
        return
    except DataError:
        pass
    folder = tmp_path_factory.mktemp("shared-data")
    rng = np.random.default_rng(0)
    n, length = 24, 160
    steps = np.cumsum(rng.integers(-2, 3, size=(n * length, 4)), axis=0) % 12
    pitch = (np.array([72, 64, 57, 48]) + steps).astype(np.int8)
    np.savez(folder / "bach_chorales_16th.npz", pitch=pitch, pitch_c=pitch,
             offsets=np.arange(n + 1) * length, split=np.array([0] * 16 + [1] * 4 + [2] * 4, dtype=np.int8),
             pickup_16th=np.zeros(n, np.int16), bar_16th=np.full(n, 16, np.int16),
             split_names=np.array(["train", "valid", "test"]))
    old = os.environ.get(ENV_DATA)
    os.environ[ENV_DATA] = str(folder)
    yield folder / "bach_chorales_16th.npz"
    if old is None:
        os.environ.pop(ENV_DATA, None)
    else:
        os.environ[ENV_DATA] = old
