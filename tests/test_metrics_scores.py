"""FID, KID, precision/recall, density/coverage, IS, conditional accuracy, PSNR and SSIM, each against an
independent computation: closed forms, brute force over the definitions, scipy and scikit-image."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
import torch

from ganforge.config import ConfigError
from ganforge.data import DataError
from ganforge.features import Features
from ganforge.metrics import available_metrics, get_metric, metric_inputs, metric_values
from ganforge.metrics.classifier import inception_score_from_logits
from ganforge.metrics.evaluate import evaluate, parse_metrics
from ganforge.metrics.frechet import frechet_distance
from ganforge.metrics.kid import mmd2_unbiased, polynomial_kernel
from ganforge.metrics.manifold import density_coverage, knn_radii, precision_recall


def feats(x) -> Features:
    x = np.asarray(x, np.float32)
    return Features(x, "test", (x.shape[1],), (x.shape[1],))


def random_spd(d, rng):
    a = rng.normal(size=(d, d))
    return a @ a.T / d + 0.1 * np.eye(d)


# ----------------------------------------------------------------------------------- FID

def test_frechet_distance_of_diagonal_gaussians_is_the_closed_form():
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.5])
    v1, v2 = np.array([1.0, 4.0, 0.25]), np.array([2.0, 1.0, 0.25])
    expected = ((mu1 - mu2) ** 2).sum() + ((np.sqrt(v1) - np.sqrt(v2)) ** 2).sum()
    assert frechet_distance(mu1, np.diag(v1), mu2, np.diag(v2)) == pytest.approx(expected, rel=1e-12)


def test_frechet_distance_matches_scipy_sqrtm_for_general_covariances():
    rng = np.random.default_rng(0)
    d = 12
    mu1, mu2, s1, s2 = rng.normal(size=d), rng.normal(size=d), random_spd(d, rng), random_spd(d, rng)
    covmean = scipy.linalg.sqrtm(s1 @ s2).real
    expected = ((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-9)


def test_fid_of_gaussian_samples_approaches_the_population_value():
    rng = np.random.default_rng(1)
    d = 4
    mu1, mu2, s1, s2 = np.zeros(d), np.full(d, 0.5), random_spd(d, rng), random_spd(d, rng)
    expected = frechet_distance(mu1, s1, mu2, s2)
    x = rng.multivariate_normal(mu1, s1, size=40000)
    y = rng.multivariate_normal(mu2, s2, size=40000)
    got = get_metric("fid")(torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32),
                            extractor="identity")
    assert got["values"]["fid"] == pytest.approx(expected, rel=0.03, abs=0.01)
    assert got["n_fake"] == got["n_real"] == 40000 and got["extractor"] == "identity"


def test_fid_of_a_set_with_itself_is_zero_even_with_a_singular_covariance():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(50, 128)).astype(np.float32)  # 50 samples in 128-d: covariance of rank 49
    value = get_metric("fid")(feats(x), feats(x))["values"]["fid"]
    assert abs(value) < 1e-8


def test_fid_rejects_mismatched_extractors_and_non_finite_stats():
    with pytest.raises(DataError, match="different extractors"):
        get_metric("fid")(feats(np.zeros((3, 2))), feats(np.zeros((3, 3))))
    with pytest.raises(DataError, match="NaN"):
        frechet_distance(np.array([np.nan]), np.eye(1), np.zeros(1), np.eye(1))


# ----------------------------------------------------------------------------------- KID

def test_kid_is_unbiased_where_the_plug_in_estimate_is_not():
    # Two discrete distributions: the population MMD^2 is an exact finite sum.
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 3)) + 0.3
    population = polynomial_kernel(a, a).mean() + polynomial_kernel(b, b).mean() - 2 * polynomial_kernel(a, b).mean()
    m, trials = 6, 4000
    unbiased, biased = [], []
    for _ in range(trials):
        x, y = a[rng.integers(0, 4, m)], b[rng.integers(0, 4, m)]
        unbiased.append(mmd2_unbiased(x, y))
        biased.append(polynomial_kernel(x, x).mean() + polynomial_kernel(y, y).mean() - 2 * polynomial_kernel(x, y).mean())
    se = np.std(unbiased) / math.sqrt(trials)
    assert abs(np.mean(unbiased) - population) < 4 * se
    assert abs(np.mean(biased) - population) > 10 * se  # the test can tell the two apart


def test_kid_on_whole_sets_is_their_unbiased_mmd_and_subsets_are_seeded():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(30, 5)), rng.normal(size=(30, 5)) + 1
    whole = get_metric("kid")(feats(x), feats(y), subset_size=1000)
    assert whole["values"]["kid"] == pytest.approx(mmd2_unbiased(x.astype(np.float32), y.astype(np.float32)))
    assert whole["options"]["subsets"] == 1 and whole["values"]["kid_std"] == 0
    one = get_metric("kid")(feats(x), feats(y), subsets=20, subset_size=10, seed=7)["values"]
    two = get_metric("kid")(feats(x), feats(y), subsets=20, subset_size=10, seed=7)["values"]
    assert one == two and one["kid_std"] > 0


# ----------------------------------------------------------------------------------- PR / DC

def brute_force_prdc(fake, real, k_pr, k_dc):
    def radii(s, k):
        d = np.sqrt(((s[:, None] - s[None]) ** 2).sum(-1))
        return np.sort(d, axis=1)[:, k]

    d_fr = np.sqrt(((fake[:, None] - real[None]) ** 2).sum(-1))  # (fake, real)
    r_real, r_fake = radii(real, k_pr), radii(fake, k_pr)
    precision = np.mean([(d_fr[j] <= r_real).any() for j in range(len(fake))])
    recall = np.mean([(d_fr[:, i] <= r_fake).any() for i in range(len(real))])
    r5 = radii(real, k_dc)
    density = sum((d_fr[j] < r5).sum() for j in range(len(fake))) / (k_dc * len(fake))
    coverage = np.mean([d_fr[:, i].min() < r5[i] for i in range(len(real))])
    return precision, recall, density, coverage


def test_precision_recall_on_a_constructed_lattice():
    grid = np.array([(i, j) for i in range(10) for j in range(10)], float)
    near, far = grid + [0.1, 0.0], grid + 100.0
    p, r = precision_recall(np.concatenate([near, far]), grid, k=3)
    assert (p, r) == (0.5, 1.0)  # half the samples are on the real manifold; every real point is covered
    p, r = precision_recall(grid[:30] + [0.1, 0.0], grid, k=3)  # rows i = 0..2 only
    assert p == 1.0 and r == pytest.approx(0.4)  # rows 0..2 covered, row 3 within one step of row 2


def test_density_and_coverage_on_constructed_points():
    real = np.arange(10, dtype=float)[:, None]  # k=1 radius 1 around each point
    d, c = density_coverage(np.array([[0.5], [100.0]]), real, k=1)
    assert d == pytest.approx(2 / 2) and c == pytest.approx(0.2)  # 0.5 lies in the balls of 0 and 1


def test_prdc_match_a_brute_force_of_the_definitions():
    rng = np.random.default_rng(5)
    real, fake = rng.normal(size=(120, 6)), rng.normal(size=(90, 6)) * 1.3 + 0.2
    p, r = precision_recall(fake, real, k=3)
    d, c = density_coverage(fake, real, k=5)
    assert np.allclose((p, r, d, c), brute_force_prdc(fake, real, 3, 5))
    rec = get_metric("pr")(feats(fake), feats(real))
    assert rec["values"] == {"precision": pytest.approx(p, abs=1e-9), "recall": pytest.approx(r, abs=1e-9)}
    assert rec["options"] == {"k": 3}


def test_knn_radius_needs_more_than_k_points():
    with pytest.raises(DataError, match="more than k=3"):
        knn_radii(np.zeros((3, 2)), 3)


# ----------------------------------------------------------------------------------- IS, cond_acc

def test_inception_score_of_confident_balanced_and_collapsed_predictions():
    onehot = np.eye(10)[np.arange(1000) % 10] * 50
    assert inception_score_from_logits(onehot, splits=1)[0] == pytest.approx(10, rel=1e-6)
    assert inception_score_from_logits(np.tile(onehot[:1], (1000, 1)), splits=1)[0] == pytest.approx(1, abs=1e-9)
    mean, std = inception_score_from_logits(onehot, splits=10)
    assert mean == pytest.approx(10, rel=1e-6) and std < 1e-6


def test_inception_score_needs_logits():
    with pytest.raises(DataError, match="no logits"):
        get_metric("is")(feats(np.zeros((20, 2))))


def test_conditional_accuracy_counts_agreement_with_requested_labels():
    classifier = lambda x: (x, x[:, :3])  # noqa: E731  (logits: the first three coordinates)
    x = torch.tensor([[5.0, 0, 0], [0, 5, 0], [0, 0, 5], [5, 0, 0]])
    rec = get_metric("cond_acc")(x, torch.tensor([0, 1, 1, 0]), extractor=classifier)
    assert rec["values"]["cond_acc"] == 0.75 and rec["n_fake"] == 4
    with pytest.raises(DataError, match="one label per sample"):
        get_metric("cond_acc")(x, [0, 1], extractor=classifier)


# ----------------------------------------------------------------------------------- PSNR / SSIM

def test_psnr_closed_form():
    target = torch.zeros(2, 1, 4, 4)
    pred = torch.full((2, 1, 4, 4), 0.1)
    assert get_metric("psnr")(pred, target, data_range=1.0)["values"]["psnr"] == pytest.approx(20.0)
    assert get_metric("psnr")(target, target)["values"]["psnr"] == math.inf


def test_ssim_matches_scikit_image():
    skm = pytest.importorskip("skimage.metrics")
    rng = np.random.default_rng(6)
    target = rng.random((3, 3, 32, 40))
    pred = np.clip(target + rng.normal(scale=0.1, size=target.shape), 0, 1)
    ours = get_metric("ssim")(torch.tensor(pred), torch.tensor(target), data_range=1.0)["values"]["ssim"]
    theirs = np.mean([skm.structural_similarity(p, t, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                                data_range=1.0, channel_axis=0) for p, t in zip(pred, target)])
    assert ours == pytest.approx(theirs, abs=1e-10)
    uint8 = (target * 255).round().astype(np.uint8)
    assert get_metric("ssim")(uint8, uint8)["values"]["ssim"] == pytest.approx(1.0)


def test_paired_metrics_need_equal_shapes():
    with pytest.raises(DataError, match="same image shape"):
        get_metric("ssim")(torch.zeros(1, 1, 16, 16), torch.zeros(1, 1, 16, 12))


# ----------------------------------------------------------------------------------- registry, evaluate

def test_registry_lists_every_metric_with_its_inputs_and_values():
    assert {"fid", "kid", "pr", "dc", "is", "cond_acc", "psnr", "ssim", "mode_coverage"} <= set(available_metrics())
    assert metric_inputs("fid") == "fake_and_real" and metric_inputs("is") == "fake" and metric_inputs("ssim") == "prediction_and_target"
    assert metric_values("pr") == ("precision", "recall") and metric_inputs("mode_coverage") == "mixture"
    with pytest.raises(ConfigError, match="unknown metric 'nope'.*fid"):
        parse_metrics("fid, nope")
    assert metric_inputs("tabular_shape") == "table" and "membership_auc" in metric_values("tabular_dcr")
    with pytest.raises(ConfigError, match="tabular_shape compares tables"):
        evaluate(torch.zeros(4, 2), torch.zeros(4, 2), metrics="tabular_shape")


def test_evaluate_extracts_once_and_returns_one_record_per_metric():
    calls = []

    def extractor(x):
        calls.append(len(x))
        return x

    rng = np.random.default_rng(7)
    fake, real = torch.tensor(rng.normal(size=(40, 3))), torch.tensor(rng.normal(size=(50, 3)))
    records = evaluate(fake, real, metrics="fid,kid,pr,dc", extractor=extractor)
    assert [r["metric"] for r in records] == ["fid", "kid", "pr", "dc"]
    assert sorted(calls) == [40, 50]
    assert all(r["n_fake"] == 40 and r["n_real"] == 50 for r in records)


def test_evaluate_rejects_nan_and_mismatched_samples_before_computing():
    good = torch.zeros(5, 3)
    bad = good.clone()
    bad[2, 1] = float("nan")
    with pytest.raises(DataError, match="1 of 5 samples contain NaN"):
        evaluate(bad, good, extractor="identity")
    with pytest.raises(DataError, match="compare images with images"):
        evaluate(torch.zeros(5, 1, 8, 8), good, extractor="identity")
    with pytest.raises(DataError, match=r"expected images .* or vectors"):
        evaluate(torch.zeros(5, 2, 2, 2, 2), good)
    with pytest.raises(ConfigError, match="labels"):
        evaluate(good, good, metrics="cond_acc")


# ----------------------------------------------------------------------------------- sample counts, shapes

@pytest.mark.parametrize("metric, options, n_fake, n_real, message", [
    ("fid", {}, 5, 50, "fid needs at least 10 generated samples; got 5"),  # the probe's FID 0.043 from 5 fakes
    ("kid", {}, 50, 9, "kid needs at least 10 reference samples; got 9"),
    ("pr", {}, 50, 5, r"pr \(k=3\) needs at least 10 reference samples; got 5"),
    ("dc", {"k": 12}, 12, 50, r"dc \(k=12\) needs at least 13 generated samples; got 12"),
    ("is", {}, 5, None, r"is \(splits=10\) needs at least 10 generated samples; got 5"),
])
def test_sample_counts_below_a_metric_minimum_are_refused_before_any_extraction(metric, options, n_fake, n_real,
                                                                               message):
    calls = []

    def extractor(x):
        calls.append(len(x))
        return x, x  # features and "logits"

    rng = np.random.default_rng(0)
    fake = torch.tensor(rng.normal(size=(n_fake, 3)))
    real = torch.tensor(rng.normal(size=(n_real or 50, 3)))
    with pytest.raises(DataError, match=message):
        evaluate(fake, real, metrics=metric, extractor=extractor, options={metric: options})
    assert calls == []
    def with_logits(x):
        f = feats(x)
        f.logits = f.features
        return f

    with pytest.raises(DataError, match=message):  # the metric itself says the same
        get_metric(metric)(with_logits(fake), **({} if n_real is None else {"real": feats(real)}), **options)


def test_small_sets_give_one_warning_line_and_the_record_says_it_too():
    rng = np.random.default_rng(1)
    small, big = rng.normal(size=(100, 2)), rng.normal(size=(2000, 2))
    with pytest.warns(UserWarning, match="fid from 100 reference samples is unreliable: use at least 2000$"):
        rec = get_metric("fid")(feats(big), feats(small))
    assert rec["warnings"] == ["fid from 100 reference samples is unreliable: use at least 2000"]
    assert rec["extractor"] == "test"  # every result states its extractor
    wide = rng.normal(size=(2500, 3000)).astype(np.float32)  # more dimensions than samples: singular covariance
    from ganforge.metrics.common import check_sample_counts

    notes = check_sample_counts("fid", 2500, 2500, dim=wide.shape[1], warn=False)
    assert notes[0].endswith("use at least 3000; fewer samples than the 3000 feature dimensions make the "
                             "covariance singular")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # enough samples: no warning at all
        assert "warnings" not in get_metric("fid")(feats(big), feats(big))


def test_images_of_different_shapes_are_refused_unless_resized():
    from ganforge.features import get_extractor

    rng = np.random.default_rng(2)
    fake = torch.tensor(rng.integers(0, 256, size=(12, 1, 28, 28)), dtype=torch.uint8)
    real = torch.tensor(rng.integers(0, 256, size=(12, 1, 8, 8)), dtype=torch.uint8)
    ext = get_extractor("digits8", precision="fp32")
    with pytest.raises(DataError, match=r"generated images have shape \(1, 28, 28\) .* reference images \(1, 8, 8\)"
                                        r".*--resize"):
        evaluate(fake, real, metrics="fid", extractor=ext)
    with pytest.raises(DataError, match="shape"):
        get_metric("fid")(fake, real, extractor=ext)
    with pytest.raises(DataError, match="shape"):
        get_metric("fid")(fake.repeat(1, 3, 1, 1)[:, :, :8, :8], real, extractor=ext)  # RGB against grey
    with pytest.warns(UserWarning, match="unreliable"):
        rec = evaluate(fake, real, metrics="fid", extractor=ext, resize=True)[0]
    assert rec["sample_shape"] == [1, 8, 8] and rec["values"]["fid"] > 0
    from ganforge.metrics.common import match_shape

    small = match_shape(fake, (3, 8, 8))
    assert small.shape == (12, 3, 8, 8) and small.min() >= -1 and small.max() <= 1
    flat = torch.full((2, 1, 28, 28), 255, dtype=torch.uint8)
    assert torch.equal(match_shape(flat, (1, 8, 8)), torch.ones(2, 1, 8, 8))  # levels kept, not rescaled
