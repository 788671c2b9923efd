"""What ``TabularGAN.save`` may replace, what survives a crash or a full disk, and `tabular fit`'s way out."""

import errno
import json

import numpy as np
import pandas as pd
import pytest

from ganforge.cli import main
from ganforge.errors import CheckpointError, OutputError
from ganforge.tabular import TabularGAN

TINY = dict(batch_size=60, latent_dim=8, generator_dims=(8,), discriminator_dims=(8,), verbose=False, n_jobs=1,
            max_modes=2, precision="fp32", device="cpu", epochs=1, seed=0)


@pytest.fixture(scope="module")
def table():
    g = np.random.default_rng(0)
    return pd.DataFrame({"x": g.normal(size=120), "label": g.choice(["a", "b", "b", "b"], 120)})


@pytest.fixture(scope="module")
def model(table):
    return TabularGAN(**TINY).fit(table)


def _thesis(tmp_path):
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "chapter1.tex").write_text("years of work")
    return thesis


def test_save_refuses_a_folder_that_is_not_a_model_and_deletes_nothing(model, tmp_path):
    thesis = _thesis(tmp_path)
    with pytest.raises(OutputError, match=str(thesis)):
        model.save(thesis)
    assert [p.name for p in thesis.iterdir()] == ["chapter1.tex"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]


def test_augment_train_out_refuses_a_user_folder_before_training(table, tmp_path, capsys):
    data = tmp_path / "table.csv"
    table.to_csv(data, index=False)
    thesis = _thesis(tmp_path)
    code = main(["augment", str(data), "--target", "label", "--balance", "--out", str(tmp_path / "out.csv"),
                 "--train-out", str(thesis)])
    assert code == 2 and str(thesis) in capsys.readouterr().err
    assert [p.name for p in thesis.iterdir()] == ["chapter1.tex"] and not (tmp_path / "out.csv").exists()


def test_save_replaces_an_earlier_model_and_older_folders_still_load(model, tmp_path):
    path = model.save(tmp_path / "m")
    assert sorted(p.name for p in path.iterdir()) == ["model.json", "model.safetensors"]  # the old layout
    before = TabularGAN.load(path).sample(5, seed=1)
    model.save(path)  # over it: the same plain names
    assert sorted(p.name for p in path.iterdir()) == ["model.json", "model.safetensors"]
    pd.testing.assert_frame_equal(TabularGAN.load(path).sample(5, seed=1), before)
    (path / "model.safetensors").rename(path / "model.v0123abcd.safetensors")  # as ganforge 0.1 left a replaced
    _rewrite(path, lambda m: m.update(files={"model.safetensors": "model.v0123abcd.safetensors"}))  # folder
    pd.testing.assert_frame_equal(TabularGAN.load(path).sample(5, seed=1), before)
    model.save(path)
    assert sorted(p.name for p in path.iterdir()) == ["model.json", "model.safetensors"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def _rewrite(path, change):
    meta = json.loads((path / "model.json").read_text())
    change(meta)
    (path / "model.json").write_text(json.dumps(meta))


def test_a_model_folder_of_another_format_fails_in_one_line_naming_the_version_that_made_it(model, tmp_path):
    from ganforge import __version__

    path = model.save(tmp_path / "m")
    _rewrite(path, lambda meta: meta.update(version=7) or meta["training"].update(ganforge="9.1.0"))
    with pytest.raises(CheckpointError, match=rf"written by ganforge 9\.1\.0 in TabularGAN model format 7; "
                                              rf"ganforge {__version__} reads format 1") as info:
        TabularGAN.load(path)
    assert "\n" not in str(info.value)
    _rewrite(path, lambda meta: [meta.update(version=1), meta.pop("transformer"), meta.pop("training")])
    with pytest.raises(CheckpointError, match=r"written by an earlier ganforge and does not fit TabularGAN model "
                                              r"format 1 \(KeyError: 'transformer'\)"):
        TabularGAN.load(path)


def test_a_crash_between_weights_and_description_leaves_the_previous_model(model, tmp_path, monkeypatch):
    import ganforge.io as gio

    path = model.save(tmp_path / "m")
    meta = json.loads((path / "model.json").read_text())
    real = gio.atomic_write

    def die_at_the_description(p, *a, **k):
        if p == path / "model.json":
            raise KeyboardInterrupt  # as a kill -9 would, before the switch
        return real(p, *a, **k)

    monkeypatch.setattr(gio, "atomic_write", die_at_the_description)
    with pytest.raises(KeyboardInterrupt):
        model.save(path)
    monkeypatch.undo()
    assert json.loads((path / "model.json").read_text()) == meta
    TabularGAN.load(path)


def test_a_hostile_manifest_cannot_point_outside_the_folder(model, tmp_path):
    path = model.save(tmp_path / "m")
    meta = json.loads((path / "model.json").read_text())
    (path / "model.json").write_text(json.dumps({**meta, "files": {"model.safetensors": "../secret"}}))
    with pytest.raises(CheckpointError, match="not a file name"):
        TabularGAN.load(path)


def _full_disk_under(monkeypatch, folder_name):
    """Make every atomic write under a folder called ``folder_name`` (or its temporary) fail with ENOSPC."""
    import ganforge.io as gio

    real = gio.atomic_write

    def write(path, fn, *a, **k):
        if folder_name in str(path):
            def full(f):
                raise OSError(errno.ENOSPC, "No space left on device")
            return real(path, full, *a, **k)
        return real(path, fn, *a, **k)

    monkeypatch.setattr(gio, "atomic_write", write)


def test_save_on_a_full_disk_keeps_the_model_in_memory(model, tmp_path, monkeypatch):
    _full_disk_under(monkeypatch, "FULLDISK")
    with pytest.raises(OutputError, match=f"disk full.*{tmp_path / 'FULLDISK'}"):
        model.save(tmp_path / "FULLDISK")
    assert not (tmp_path / "FULLDISK").exists() and list(tmp_path.iterdir()) == []
    model.save(tmp_path / "roomy")  # the same object, saved elsewhere
    TabularGAN.load(tmp_path / "roomy")


def test_fit_on_a_full_disk_saves_the_model_elsewhere_and_says_where(table, tmp_path, monkeypatch, capsys):
    data = tmp_path / "t.csv"
    table.to_csv(data, index=False)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    _full_disk_under(monkeypatch, "FULLDISK")
    code = main(["tabular", "fit", str(data), "--out", str(tmp_path / "FULLDISK"), "--epochs", "1", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "disk full" in err and str(tmp_path / "FULLDISK") in err
    saved = list((tmp_path / "tmp").iterdir())
    assert len(saved) == 1 and str(saved[0]) in err
    TabularGAN.load(saved[0])


def test_fit_on_a_full_disk_at_a_terminal_asks_for_another_folder(table, tmp_path, monkeypatch, capsys):
    data = tmp_path / "t.csv"
    table.to_csv(data, index=False)
    _full_disk_under(monkeypatch, "FULLDISK")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    answers = iter([str(tmp_path / "FULLDISK2"), str(tmp_path / "other")])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    code = main(["tabular", "fit", str(data), "--out", str(tmp_path / "FULLDISK"), "--epochs", "1"])
    assert code == 0 and str(tmp_path / "other") in capsys.readouterr().out
    TabularGAN.load(tmp_path / "other")
