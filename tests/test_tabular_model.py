"""TabularGAN: fit / sample / save / load on a small table, conditional sampling, seeds, time budget,
and the conditional tabular GAN's pieces (span activations, training-by-sampling, exact resume)."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

from ganforge.config import ConfigError
from ganforge.data import DataError
from ganforge.data.tabular.sampler import ConditionalRows
from ganforge.gans.tabular import ConditionalTabularGAN
from ganforge.nets.tabular import SpanActivation, TabularDiscriminator, TabularGenerator
from ganforge.tabular.model import TabularGAN
from ganforge.training import CheckpointError, Trainer

TINY = dict(batch_size=60, latent_dim=8, generator_dims=(16, 16), discriminator_dims=(16, 16), verbose=False,
            n_jobs=1, max_modes=3, precision="fp32", device="cpu")


def small_table(n=300, seed=0):
    rng = np.random.default_rng(seed)
    age = rng.normal(40, 12, n).clip(17, 90).round().astype(int)
    rich = rng.random(n) < 1 / (1 + np.exp(-(age - 45) / 5))
    score = rng.normal(0, 1, n)
    score[rng.random(n) < 0.1] = np.nan
    gain = np.where(rng.random(n) < 0.8, 0, rng.integers(100, 5000, n))
    return pd.DataFrame({
        "age": age,
        "city": rng.choice(["Paris", "Lyon", "Nice"], n, p=[0.6, 0.3, 0.1]),
        "income": np.where(rich, ">50K", "<=50K"),
        "score": score,
        "gain": gain,
    })


@pytest.fixture(scope="module")
def table():
    return small_table()


@pytest.fixture(scope="module")
def fitted(table):
    return TabularGAN(epochs=3, seed=0, **TINY).fit(table)


def test_fit_and_sample_keep_columns_kinds_and_dtypes(fitted, table):
    assert fitted.columns_ == {"age": "integer", "city": "discrete", "income": "discrete", "score": "continuous",
                               "gain": "integer"}
    assert fitted.training_["steps"] == 3 * (len(table) // 60)
    syn = fitted.sample(400)
    assert list(syn.columns) == list(table.columns) and len(syn) == 400
    assert syn["age"].dtype == table["age"].dtype and syn["gain"].dtype == table["gain"].dtype
    assert set(syn["city"]) <= {"Paris", "Lyon", "Nice"} and set(syn["income"]) <= {">50K", "<=50K"}
    assert syn["age"].between(table["age"].min(), table["age"].max()).all()
    assert syn["score"].isna().any() and syn["score"].notna().any()  # missing values are generated
    assert (syn["gain"] == 0).any()  # the point mass is produced as the exact value


def test_verbose_fit_prints_the_detected_kinds(table, capsys):
    TabularGAN(epochs=1, **{**TINY, "verbose": True}).fit(table, discrete_columns=["gain"])
    out = capsys.readouterr().out
    assert "age" in out and "integer" in out and "gain" in out and "discrete" in out


@pytest.mark.parametrize("conditions", [{"income": ">50K"}, {"city": "Nice"}, {"income": ">50K", "city": "Nice"}])
def test_conditional_sampling_gives_the_value_in_every_row(fitted, conditions):
    syn = fitted.sample(500, conditions=conditions, seed=1)
    for column, value in conditions.items():
        assert (syn[column] == value).all()


def test_conditioning_feeds_the_generator_not_only_the_column(fitted):
    """The condition vector reaches G: forcing the output alone would leave the other columns' law unchanged."""
    gan = fitted.gan_
    c = [s.column for s in fitted.transformer_.condition_spans()].index("income")
    g = torch.Generator().manual_seed(0)
    z = gan.sample_latent(200, generator=g)
    cat = fitted.transformer_.category_index("income", ">50K")
    a = gan.sample(200, column=torch.full((200,), c), category=torch.full((200,), cat), z=z,
                   generator=torch.Generator().manual_seed(1))
    b = gan.sample(200, column=torch.full((200,), c), category=torch.full((200,), 1 - cat), z=z,
                   generator=torch.Generator().manual_seed(1))
    assert not torch.equal(a, b)


@pytest.mark.parametrize("conditions, message", [
    ({"nope": "x"}, "unknown column 'nope'"),
    ({"income": "millions"}, "'millions' was never seen in column 'income'"),
    ({"score": 1.0}, "column 'score' is continuous, not discrete"),
])
def test_bad_conditions_name_the_column_or_value(fitted, conditions, message):
    with pytest.raises(DataError, match=message):
        fitted.sample(10, conditions=conditions)


def test_seed_makes_fit_and_sample_reproducible(table, fitted):
    again = TabularGAN(epochs=3, seed=0, **TINY).fit(table)
    pd.testing.assert_frame_equal(fitted.sample(200, seed=5), again.sample(200, seed=5))
    other = TabularGAN(epochs=3, seed=1, **TINY).fit(table)
    assert not fitted.sample(200, seed=5).equals(other.sample(200, seed=5))
    assert not fitted.sample(200, seed=5).equals(fitted.sample(200, seed=6))


def test_sample_without_seed_differs_between_calls_but_repeats_across_runs(table):
    a, b = (TabularGAN(epochs=1, seed=0, **TINY).fit(table) for _ in range(2))
    first, second = a.sample(100), a.sample(100)
    assert not first.equals(second)
    pd.testing.assert_frame_equal(b.sample(100), first)
    pd.testing.assert_frame_equal(b.sample(100), second)


def test_fit_leaves_the_global_torch_rng_alone(table):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    TabularGAN(epochs=1, **TINY).fit(table)
    assert torch.equal(torch.rand(3), expected)


def test_save_and_load_round_trip(fitted, tmp_path):
    path = fitted.save(tmp_path / "model")
    assert sorted(p.name for p in path.iterdir()) == ["model.json", "model.safetensors"]
    meta = json.loads((path / "model.json").read_text())
    assert meta["format"] == "ganforge.TabularGAN" and meta["columns"][0] == {"name": "age", "kind": "integer"}
    loaded = TabularGAN.load(path)
    assert loaded.columns_ == fitted.columns_ and loaded.training_ == fitted.training_
    pd.testing.assert_frame_equal(loaded.sample(300, seed=2), fitted.sample(300, seed=2))
    pd.testing.assert_frame_equal(loaded.sample(300, conditions={"income": ">50K"}, seed=2),
                                  fitted.sample(300, conditions={"income": ">50K"}, seed=2))
    fitted.save(path)  # saving over an existing model replaces it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_a_model_trained_on_another_device_loads_on_the_cpu(fitted, tmp_path):
    """Safetensors hold no device; the JSON's record of where training ran must not matter."""
    path = fitted.save(tmp_path / "model")
    meta = json.loads((path / "model.json").read_text())
    meta["training"]["device"] = "cuda:0"
    meta["params"]["device"] = "cuda"
    (path / "model.json").write_text(json.dumps(meta))
    loaded = TabularGAN.load(path)
    assert all(p.device.type == "cpu" for p in loaded.gan_.parameters())
    pd.testing.assert_frame_equal(loaded.sample(100, seed=3), fitted.sample(100, seed=3))


def test_load_rejects_what_is_not_a_model(tmp_path, fitted):
    with pytest.raises(CheckpointError, match="not a TabularGAN model folder"):
        TabularGAN.load(tmp_path)
    path = fitted.save(tmp_path / "model")
    (path / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="cannot read"):
        TabularGAN.load(path)


def test_time_budget_stops_training(table):
    model = TabularGAN(time_budget="1s", **TINY).fit(table)
    t = model.training_
    assert "time budget" in t["stopped_by"] and t["seconds"] < 30  # generous: shared CI machines are busy
    assert t["steps"] >= 1


@pytest.mark.parametrize("kwargs, message", [
    ({"epochs": 0}, "epochs must be a positive integer"),
    ({"batch_size": 55, "pack": 10}, "multiple of pack"),
    ({"discrete": "hardmax"}, "discrete must be"),
    ({"precision": "fp8"}, "precision must be"),
    ({"time_budget": "soon"}, "cannot read the time budget"),
])
def test_bad_parameters_are_config_errors(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        TabularGAN(**kwargs)


def test_fit_errors_name_the_column(table):
    with pytest.raises(DataError, match="unknown column 'nope'"):
        TabularGAN(epochs=1, **TINY).fit(table, discrete_columns=["nope"])
    with pytest.raises(DataError, match="'empty' is entirely missing"):
        TabularGAN(epochs=1, **TINY).fit(table.assign(empty=np.nan))
    with pytest.raises(DataError, match="no rows"):
        TabularGAN(epochs=1, **TINY).fit(table.iloc[:0])


# -- the pieces -----------------------------------------------------------------------------------


def test_span_activation_matches_per_block_softmax_and_cross_entropy():
    act = SpanActivation([(0, 1, "tanh"), (1, 3, "softmax"), (4, 2, "softmax"), (6, 1, "tanh")])
    raw = torch.randn(5, 7)
    out = act(raw, "softmax")
    assert torch.allclose(out[:, [0, 6]], torch.tanh(raw[:, [0, 6]]))
    assert torch.allclose(out[:, 1:4], raw[:, 1:4].softmax(1)) and torch.allclose(out[:, 4:6], raw[:, 4:6].softmax(1))
    hard = act(raw, "sample")
    assert torch.equal(hard[:, 1:4].sum(1), torch.ones(5)) and set(hard[:, 1:6].unique().tolist()) == {0.0, 1.0}
    st = act(raw, "straight_through")
    assert torch.equal(st[:, 1:4].sum(1), torch.ones(5))
    block, target = torch.tensor([0, 1, 0, 1, 1]), torch.tensor([2, 1, 0, 0, 1])
    spans = [(1, 4), (4, 6)]
    expected = torch.stack([torch.nn.functional.cross_entropy(raw[i:i + 1, slice(*spans[b])], target[i:i + 1])
                            for i, b in enumerate(block.tolist())]).mean()
    assert torch.allclose(act.block_cross_entropy(raw, block, target), expected)


def test_sampled_one_hots_follow_the_softmax():
    act = SpanActivation([(0, 3, "softmax")])
    logits = torch.tensor([[1.0, 0.0, -1.0]]).repeat(100_000, 1)
    freq = act(logits, "sample", generator=torch.Generator().manual_seed(0)).mean(0)
    assert torch.allclose(freq, logits[0].softmax(0), atol=0.01)


def test_argmax_mode_takes_every_category_from_the_latent_vector():
    act = SpanActivation([(0, 1, "tanh"), (1, 3, "softmax")])
    raw = torch.randn(50, 4, requires_grad=True)
    hard = act(raw, "argmax")
    assert torch.equal(hard[:, 1:].argmax(1), raw[:, 1:].argmax(1))
    st = act(raw, "argmax_straight_through", tau=0.5)
    assert torch.equal(st, hard)
    (st[:, 1:] * torch.randn(50, 3)).sum().backward()
    assert raw.grad[:, 1:].abs().sum() > 0  # the softmax's gradient flows through the hard one-hot


def test_generator_output_layer_can_run_in_float32_under_bf16_autocast():
    g = TabularGenerator(4, 2, 3, (8,))
    z, cond = torch.randn(5, 4), torch.zeros(5, 2)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert g(z, cond).dtype == torch.bfloat16
        assert g(z, cond, float32_output=True).dtype == torch.float32


def test_spans_must_tile_the_row():
    with pytest.raises(ValueError, match="tile"):
        SpanActivation([(0, 1, "tanh"), (2, 2, "softmax")])


def test_conditional_rows_draw_matching_rows_with_log_frequency():
    x = torch.zeros(100, 4)
    x[:90, 0] = 1  # column A: 90 rows of category 0, 10 of category 1
    x[90:, 1] = 1
    x[::2, 2] = 1  # column B: half and half
    x[1::2, 3] = 1
    data = ConditionalRows(x, [(0, 2), (2, 2)])
    torch.manual_seed(0)
    batch = data.batch(torch.arange(20_000))
    spans = [(0, 2), (2, 4)]
    for c in (0, 1):
        rows = batch["column"] == c
        assert torch.equal(batch["real"][rows, slice(*spans[c])].argmax(1), batch["category"][rows])
    a = batch["category"][batch["column"] == 0].float().mean().item()
    assert a == pytest.approx(np.log(11) / (np.log(91) + np.log(11)), abs=0.02)  # not 0.1: log-frequency


def _tiny_gan(x, cond_spans, spans):
    from ganforge.gans.tabular import condition_frequencies

    cond_dim = sum(w for _, w in cond_spans)
    g = TabularGenerator(4, cond_dim, x.shape[1], (8,))
    d = TabularDiscriminator(x.shape[1] + cond_dim, pack=2, hidden=(8,), dropout=0.0)
    return ConditionalTabularGAN(g, d, spans, cond_spans, condition_frequencies(x, cond_spans), 4, pack=2)


def test_training_by_sampling_resumes_exactly(tmp_path):
    """The data set draws with the global RNG, which the Trainer checkpoints: resume is bit-for-bit."""
    torch.manual_seed(0)
    x = torch.zeros(64, 4)
    x[:, 0] = torch.rand(64) * 2 - 1
    x[torch.arange(64), 1 + torch.randint(3, (64,))] = 1
    spans, cond_spans = [(0, 1, "tanh"), (1, 3, "softmax")], [(1, 3)]
    settings = dict(batch_size=16, progress=False, tensorboard=False, device="cpu", precision="fp32")

    torch.manual_seed(1)
    straight = Trainer(_tiny_gan(x, cond_spans, spans), ConditionalRows(x, cond_spans), steps=6, **settings).fit()
    torch.manual_seed(1)
    first = Trainer(_tiny_gan(x, cond_spans, spans), ConditionalRows(x, cond_spans), steps=3, **settings).fit()
    first.save(tmp_path / "ckpt.pt")
    torch.manual_seed(2)  # a different start: everything must come from the checkpoint
    resumed = Trainer(_tiny_gan(x, cond_spans, spans), ConditionalRows(x, cond_spans), steps=6, **settings)
    resumed.fit(resume=tmp_path / "ckpt.pt")
    for (name, a), b in zip(straight.gan.generator.state_dict().items(), resumed.gan.generator.state_dict().values()):
        assert torch.equal(a, b), name


def test_a_model_folder_holds_no_rare_category_and_never_samples_one(tmp_path):
    df = small_table(400, seed=1)
    rare = [f"Hamlet{i:03d}" for i in range(12)]
    df.loc[:11, "city"] = rare  # each seen once
    model = TabularGAN(epochs=2, seed=0, min_category_count=5, **TINY).fit(df)
    model.save(tmp_path / "m")
    data = b"".join(p.read_bytes() for p in (tmp_path / "m").iterdir())
    assert not [v for v in rare if v.encode() in data]
    out = model.sample(2000, seed=0)
    assert not out["city"].isin(rare).any() and set(out["city"]) <= {"Paris", "Lyon", "Nice", "<other>"}
    with pytest.raises(DataError, match="Hamlet000.*fewer than min_category_count=5"):
        model.sample(5, conditions={"city": "Hamlet000"})


def test_a_model_folder_from_before_identifiers_and_rare_pooling_loads(fitted, tmp_path):
    fitted.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    for key in ("min_category_count", "identifiers"):
        meta["params"].pop(key)
        meta["transformer"]["params"].pop(key)
    for c in meta["transformer"]["columns"]:
        for key in ("datetime_format", "decimals", "min_count", "n_rare", "rare_share", "rare_marker", "identifier"):
            c.pop(key)
    (tmp_path / "m" / "model.json").write_text(json.dumps(meta))
    old = TabularGAN.load(tmp_path / "m")
    assert old.min_category_count == 5 and list(old.sample(10, seed=0).columns) == list(fitted.sample(1).columns)

def test_scikit_learn_clone_and_set_params(fitted):
    """get_params/set_params follow scikit-learn's conventions, so clone gives an unfitted twin."""
    from sklearn.base import clone

    model = TabularGAN(epochs=3, lr_g=1e-3, generator_dims=[64, 32], verbose=False)
    twin = clone(model)
    assert twin is not model and twin.get_params() == model.get_params()
    assert twin.generator_dims == (64, 32) and twin.gan_ is None
    assert clone(fitted).gan_ is None and clone(fitted).get_params() == fitted.get_params()
    assert model.set_params(epochs=5, betas=[0.0, 0.9]) is model
    assert model.epochs == 5 and model.betas == (0.0, 0.9)
    with pytest.raises(ConfigError, match="unknown TabularGAN parameter.*epoch\\b"):
        model.set_params(epoch=5)
    with pytest.raises(ConfigError, match="batch_size must be a positive integer"):
        model.set_params(batch_size=0, epochs=7)
    assert model.batch_size == 500 and model.epochs == 5  # a bad value changes nothing
