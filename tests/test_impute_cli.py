"""``ganforge impute`` end to end on a small CSV and on images."""

import numpy as np
import pandas as pd

from ganforge.cli import main


def _csv(path, n=80):
    rng = np.random.default_rng(0)
    a = rng.normal(size=n)
    df = pd.DataFrame({"a": a, "b": 2 * a, "c": np.where(a > 0, "pos", "neg")})
    df.loc[rng.random(n) < 0.2, "a"] = np.nan
    df.loc[rng.random(n) < 0.2, "c"] = "?"
    df.to_csv(path, index=False)
    return df


def test_table_end_to_end_with_model_and_multiple_imputation(tmp_path, capsys):
    src = tmp_path / "data.csv"
    df = _csv(src)
    out, model, mi = tmp_path / "filled.csv", tmp_path / "model", tmp_path / "mi"
    args = [str(src), "--na-values", "?", "--n-iter", "40", "--model", str(model)]
    assert main(["impute", *args, "--out", str(out), "--n-imputations", "2", "--out-dir", str(mi)]) == 0
    text = capsys.readouterr().out
    assert "missing" in text and "imputed" in text and " s " in text
    assert "40 iterations, kept the generator of iteration 40" in text  # the held-out check ends the run
    filled = pd.read_csv(out)
    assert not filled.isna().any().any() and list(filled.columns) == ["a", "b", "c"]
    keep = df["a"].notna()
    assert np.allclose(filled["a"][keep], df["a"][keep]) and set(filled["c"]) <= {"pos", "neg"}
    assert sorted(p.name for p in mi.iterdir()) == ["imputation_1.csv", "imputation_2.csv"]
    # the saved model is reused: no training
    again = tmp_path / "again.csv"
    assert main(["impute", *args, "--out", str(again)]) == 0
    assert "reusing" in "".join(capsys.readouterr())
    pd.testing.assert_frame_equal(pd.read_csv(again), filled)


def test_nothing_missing_is_said_and_written_unchanged(tmp_path, capsys):
    src = tmp_path / "full.csv"
    pd.DataFrame({"a": [1.5, 2.5, 3.5, 4.5], "b": [1, 2, 3, 4]}).to_csv(src, index=False)
    assert main(["impute", str(src), "--out", str(tmp_path / "o.csv"), "--n-iter", "2"]) == 0
    assert "nothing is missing" in "".join(capsys.readouterr())
    assert pd.read_csv(tmp_path / "o.csv").equals(pd.read_csv(src))


def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    src = tmp_path / "data.csv"
    pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [np.nan] * 3}).to_csv(src, index=False)
    assert main(["impute", str(src), "--out", str(tmp_path / "o.csv")]) == 2
    assert "column 'b' is entirely missing" in capsys.readouterr().err
    assert main(["impute", str(src)]) == 2
    assert "give --out" in capsys.readouterr().err


def test_images_end_to_end_and_mask_mismatch(tmp_path, capsys):
    images = np.random.default_rng(0).integers(0, 255, (6, 8, 8), dtype=np.uint8)
    mask = np.random.default_rng(1).random(images.shape) < 0.3
    np.savez(tmp_path / "images.npz", images=images)
    np.savez(tmp_path / "mask.npz", mask=mask)
    out = tmp_path / "filled.npz"
    assert main(["impute", str(tmp_path / "images.npz"), "--mask", str(tmp_path / "mask.npz"), "--out", str(out),
                 "--n-iter", "2"]) == 0
    with np.load(out) as f:
        filled = f["images"]
    assert filled.shape == images.shape and np.array_equal(filled[~mask], images[~mask])
    np.savez(tmp_path / "bad.npz", mask=mask[:, :4])
    assert main(["impute", str(tmp_path / "images.npz"), "--mask", str(tmp_path / "bad.npz"),
                 "--out", str(tmp_path / "x.npz")]) == 2
    assert "the mask has shape" in capsys.readouterr().err
