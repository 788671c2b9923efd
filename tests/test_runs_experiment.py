"""Config -> data -> GAN -> run folder, for each architecture and kind of data source."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from ganforge import train
from ganforge.config import ConfigError
from ganforge.runs.experiment import build_gan, config_from, load_data, load_run


def quick(source, arch, **model):
    return {"data": {"source": str(source)}, "model": {"arch": arch, "latent_dim": 8, **model},
            "train": {"steps": 2, "batch_size": 8, "progress": False, "tensorboard": False, "sample_every": 2}}


def test_resnet_on_an_rgb_array_file(tmp_path):
    arr = np.random.default_rng(0).integers(0, 256, (16, 32, 32, 3), dtype=np.uint8)
    np.savez(tmp_path / "x.npz", images=arr)
    cfg = quick(tmp_path / "x.npz", "resnet", width=16, spectral_norm=True)
    trainer = train(cfg, out=tmp_path / "run")
    assert trainer.step == 2
    gan, _ = load_run(tmp_path / "run")
    assert gan.sample(3).shape == (3, 3, 32, 32)


def test_dcgan_on_an_image_folder_resized_to_the_model_size(tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i in range(10):
        Image.fromarray(np.full((40, 50), i * 20, np.uint8)).save(folder / f"{i}.png")
    cfg = quick(folder, "dcgan", width=8)
    cfg["data"]["image_size"] = 32
    train(cfg, out=tmp_path / "run")
    gan, _ = load_run(tmp_path / "run")
    assert gan.sample(2).shape == (2, 1, 32, 32)


def test_mixture_run_logs_mode_coverage(tmp_path):
    import json

    cfg = quick("ring8", "mlp", width=16)
    cfg["gan"] = {"pack": 2}
    train(cfg, out=tmp_path / "run")
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert any(r.get("eval/n_modes") == 8 for r in records)


@pytest.mark.parametrize("arch, shape", [("mlp", (1, 8, 8)), ("dcgan", (2,)), ("resnet", (1, 28, 28))])
def test_architecture_that_does_not_fit_the_data_is_a_config_error(arch, shape):
    with pytest.raises(ConfigError, match="model: "):
        build_gan(config_from(quick("digits", arch)), shape)


def test_augmentation_on_vector_data_is_a_config_error():
    cfg = config_from({**quick("ring8", "mlp"), "gan": {"augment": "cutout"}})
    with pytest.raises(ConfigError, match="gan.augment"):
        build_gan(cfg, (2,))


def test_same_seed_same_numbers(tmp_path):
    cfg = quick("digits", "dcgan", width=8)
    cfg["train"]["precision"] = "fp32"
    a = train(cfg, out=tmp_path / "a").state_dict()["networks"]["generator"]
    b = train(cfg, out=tmp_path / "b").state_dict()["networks"]["generator"]
    assert all(torch.equal(a[k], b[k]) for k in a)


def _killed_before_first_checkpoint(tmp_path, tiny_config):
    """A run folder as a kill before the first checkpoint leaves it: config, run.json, a log, no checkpoint."""
    run = tmp_path / "run"
    train(tiny_config(steps=2, checkpoint_every=100), out=run)
    (run / "checkpoints" / "last.pt").unlink()
    (run / "metrics.jsonl").write_text('{"step": 99, "loss": 1.0}\n')
    return run


def test_a_run_killed_before_its_first_checkpoint_starts_over_with_out(tmp_path, tiny_config, capsys):
    run = _killed_before_first_checkpoint(tmp_path, tiny_config)
    trainer = train(tiny_config(steps=2), out=run)
    assert trainer.step == 2 and "starting over" in capsys.readouterr().err
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert 99 not in steps  # the dead run's log went with it


def test_a_run_killed_before_its_first_checkpoint_resumes_from_step_0(tmp_path, tiny_config, capsys):
    run = _killed_before_first_checkpoint(tmp_path, tiny_config)
    trainer = train(resume=run)
    assert trainer.step == 2 and (run / "checkpoints" / "last.pt").is_file()
    assert "starting over from step 0" in capsys.readouterr().err


def test_out_still_refuses_a_folder_that_is_not_a_run(tmp_path, tiny_config):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="already exists"):
        train(tiny_config(steps=2), out=tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_data_holdout_keeps_a_stratified_share_out_of_training():
    from ganforge.data.holdout import stratified_holdout

    full = load_data(config_from({"data": {"source": "digits"}}))
    cfg = config_from({"data": {"source": "digits", "holdout": 0.25, "holdout_seed": 3}})
    kept = load_data(cfg)
    keep_idx, held_idx = stratified_holdout(full.labels, 0.25, 3)
    assert len(kept) == len(keep_idx) and torch.equal(kept.data, full.data[keep_idx])
    assert len(held_idx) == len(full) - len(kept)


def test_a_run_folder_whose_config_this_version_cannot_read_names_the_version_that_wrote_it(tiny_image_run, tmp_path):
    import json
    import shutil

    import yaml

    from ganforge import __version__

    run = tmp_path / "run"
    shutil.copytree(tiny_image_run, run)
    config = yaml.safe_load((run / "config.yaml").read_text())
    config["gan"]["style_mixing"] = 0.9  # a key of a later version
    (run / "config.yaml").write_text(yaml.safe_dump(config))
    info = json.loads((run / "run.json").read_text())
    info["starts"][-1]["ganforge"] = "9.2.0"
    (run / "run.json").write_text(json.dumps(info))
    with pytest.raises(ConfigError, match=rf"written by ganforge 9\.2\.0, whose config this ganforge {__version__} "
                                          r"cannot read: unknown config key 'gan.style_mixing'") as info:
        load_run(run)
    assert "\n" not in str(info.value)
