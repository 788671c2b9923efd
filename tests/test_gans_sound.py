"""The sound GAN types from the command line: train, previews (picture + WAV/MIDI), ganforge sample,
config errors; the sound metrics in the registry."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import yaml
from scipy.io import wavfile

from ganforge.cli import main
from ganforge.runs.experiment import load_run
from ganforge.metrics import get_metric
from ganforge.music.midi import read_midi
from conftest import tiny_image_config, tiny_sound_config


def trained(tmp_path, kind, **section):
    cfg = tiny_sound_config(kind, steps=2, sample_every=2, checkpoint_every=2)
    if section:
        cfg[kind] = section
    path = tmp_path / f"{kind}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    run = tmp_path / f"run-{kind}"
    assert main(["train", str(path), "--out", str(run), "-q"]) == 0
    return run


@pytest.mark.parametrize("kind", ["wavegan", "specgan"])
def test_audio_gan_is_conditional_on_labelled_clips_and_writes_wav_previews_and_samples(tmp_path, kind):
    run = trained(tmp_path, kind)
    rate, audio = wavfile.read(run / "samples" / "step_0000002.wav")
    assert rate == 16000 and audio.dtype == np.int16 and len(audio) > 16 * 16384  # 16 clips and gaps
    assert (run / "samples" / "step_0000002.png").is_file()
    gan, _ = load_run(run)
    assert gan.num_classes == 3 and gan.sample(2, labels=[0, 2]).shape == (2, 16384)
    out = tmp_path / "samples"
    assert main(["sample", str(run), "-n", "4", "--out", str(out), "--labels", "2", "-q"]) == 0
    assert {p.name for p in out.iterdir()} == {"labels.csv", "overview.png", "samples.json", "sample_00000.wav",
                                               "sample_00001.wav", "sample_00002.wav", "sample_00003.wav"}
    assert wavfile.read(out / "sample_00001.wav")[1].shape == (16384,)
    assert (out / "labels.csv").read_text().splitlines()[1] == "sample_00000.wav,2"
    assert main(["sample", str(run), "-n", "2", "--out", str(out), "-q"]) == 0  # rewriting removes the extra files
    assert not (out / "sample_00003.wav").exists()


def test_wavegan_unconditional_when_asked():
    from ganforge.runs.experiment import config_from, load_data
    from ganforge.gans.audio import WaveGAN
    from ganforge.runs.experiment import build_gan, gan_metadata

    cfg = config_from(tiny_sound_config("wavegan"), [{"wavegan": {"conditional": "no"}}])
    data = load_data(cfg)
    gan = build_gan(cfg, gan_metadata(cfg, data))
    assert type(gan) is WaveGAN and data.returns == "data"


def test_musegan_writes_midi_previews_and_midi_samples_of_binary_rolls(tmp_path):
    run = trained(tmp_path, "musegan", binarize="straight_through")
    tracks = read_midi(run / "samples" / "step_0000002.mid")
    assert [n for n, _, _ in tracks] == ["S", "A", "T", "B"]
    gan, _ = load_run(run)
    x = gan.sample(3)
    assert set(x.unique().tolist()) <= {0.0, 1.0} and gan.rolls(x).shape == (3, 4, 64, 64)
    out = tmp_path / "samples"
    assert main(["sample", str(run), "-n", "2", "--out", str(out), "-q"]) == 0
    back = np.stack([r for _, _, r in read_midi(out / "sample_00001.mid")])
    expected = gan.rolls(gan.sample(2, generator=torch.Generator().manual_seed(0)))[1]
    assert np.array_equal(back[:, :, 24:88], expected)  # the file holds the sampled phrase exactly


def test_monophonic_musegan_samples_one_note_per_voice_and_runs_saved_before_the_choice_load(tmp_path):
    import json

    run = trained(tmp_path, "musegan", monophonic=True)
    gan, _ = load_run(run)
    assert gan.rolls(gan.sample(6)).sum(-1).max() <= 1  # a voice sounds at most one pitch per step
    assert any(isinstance(m, torch.nn.Upsample) for m in gan.generator.trunk)
    # a run saved before G's upsampling was recorded was trained with transposed convolutions
    from ganforge.runs.experiment import build_gan, config_from
    from ganforge.gans.music import MuseGAN

    cfg = config_from(tiny_sound_config("musegan"), [])
    meta = json.loads(json.dumps(gan.describe()))  # plain data, as stored
    old = build_gan(cfg, {"roll": meta["roll"], "sample_shape": [4 * 64 * 64]})
    assert isinstance(old, MuseGAN) and any(isinstance(m, torch.nn.ConvTranspose2d) for m in old.generator.trunk)


def test_sound_types_refuse_data_of_the_wrong_kind_and_bad_section_values(tmp_path, capsys):
    cfg = tiny_image_config()
    cfg["gan"] = {"kind": "wavegan", "loss": "wasserstein", "penalty": "gradient_penalty"}
    cfg["model"]["d_norm"] = "none"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["train", str(path), "--out", str(tmp_path / "r")]) == 2
    assert "gan.kind=wavegan needs audio" in capsys.readouterr().err
    cfg["gan"]["kind"] = "musegan"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["train", str(path), "--out", str(tmp_path / "r")]) == 2
    assert "needs piano-roll phrases" in capsys.readouterr().err
    path.write_text(yaml.safe_dump(tiny_sound_config("musegan")))
    assert main(["train", str(path), "--set", "musegan.binarize=soft", "--out", str(tmp_path / "r")]) == 2
    assert "musegan.binarize must be threshold or straight_through" in capsys.readouterr().err
    assert main(["train", str(path), "--set", "musegan.monophonic=3", "--out", str(tmp_path / "r")]) == 2
    assert "musegan.monophonic must be true or false" in capsys.readouterr().err
    path.write_text(yaml.safe_dump(tiny_sound_config("specgan")))
    assert main(["train", str(path), "--set", "specgan.conditional=maybe", "--out", str(tmp_path / "r")]) == 2
    assert "specgan.conditional must be auto, yes or no" in capsys.readouterr().err


def test_audio_levels_counts_silent_and_clipped_clips():
    t = torch.arange(1000) / 1000
    clips = torch.stack([torch.zeros(1000), 0.5 * torch.sin(40 * t), torch.sign(torch.sin(40 * t)),
                         1e-4 * torch.sin(40 * t)])
    rec = get_metric("audio_levels")(clips)
    assert rec["values"] == {"silent": 0.5, "clipped": 0.25} and rec["n_fake"] == 4


def test_music_metric_in_the_registry_compares_rolls():
    from ganforge.music.rolls import RollFormat

    fmt = RollFormat(tracks=1, bars=1, steps_per_bar=4, pitches=12, lowest=60)
    a = np.zeros((3, 1, 4, 12), bool)
    a[:, 0, :, 0] = True  # C held
    b = a.copy()
    b[:, 0, :, 1] = True  # C and C#
    rec = get_metric("music")(b, a, fmt=fmt)
    assert rec["values"]["in_key"] == 0.5 and rec["real"]["in_key"] == 1.0
    assert rec["values"]["in_key_distance"] == 0.5 and rec["values"]["polyphony"] == 2.0


@pytest.mark.parametrize("name,kind", [("spoken-digits-wavegan", "ConditionalWaveGAN"),
                                       ("spoken-digits-specgan", "ConditionalSpecGAN"), ("chorales", "MuseGAN")])
def test_sound_presets_resolve_and_build(name, kind):
    from ganforge.runs.experiment import build_gan, config_from
    from ganforge.music.rolls import RollFormat

    cfg = config_from(name)
    meta = {"sample_shape": [16384], "num_classes": 10, "spec_mean": [0.0] * 128, "spec_std": [1.0] * 128,
            "roll": RollFormat().to_dict()}
    gan = build_gan(cfg, meta)
    assert type(gan).__name__ == kind and gan.sample_latent(2).shape[0] == 2
    if name == "chorales":  # SATB: one voice per track, and a time budget a CPU user can wait for
        assert gan.generator.monophonic and cfg.train.time_budget == 600
