import re
import warnings

import pytest

from ganforge.config import Config, ConfigError, ConfigWarning, diff, load_yaml, parse_set, resolve
from ganforge.presets import PRESETS


def test_defaults_resolve_to_a_config():
    cfg = resolve()
    assert isinstance(cfg, Config)
    assert cfg.train.betas == (0.5, 0.999)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_is_valid(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cfg = resolve(PRESETS[name].overrides)
    assert cfg.name


def test_override_applies_and_int_becomes_float():
    cfg = resolve({"train": {"lr_g": 1, "steps": 7}})
    assert cfg.train.lr_g == 1.0 and isinstance(cfg.train.lr_g, float)
    assert cfg.train.steps == 7


def test_unknown_key_is_named_with_a_suggestion():
    with pytest.raises(ConfigError, match=r"unknown config key 'train.stepz' \(did you mean 'train.steps'"):
        resolve({"train": {"stepz": 3}})
    with pytest.raises(ConfigError, match="unknown config key 'optim'"):
        resolve({"optim": {}})


@pytest.mark.parametrize("override, message", [
    ({"train": {"steps": "many"}}, "train.steps must be an integer"),
    ({"train": {"steps": True}}, "train.steps must be an integer"),
    ({"train": {"steps": 0}}, "train.steps must be >= 1"),
    ({"gan": {"loss": "wgan"}}, "gan.loss: unknown adversarial loss 'wgan'.*hinge"),
    ({"gan": {"loss": "hinj"}}, r"did you mean 'hinge'"),
    ({"model": {"arch": "dcgna"}}, r"model.arch: unknown architecture 'dcgna' \(did you mean 'dcgan'\?\)"),
    ({"train": {"betas": [0.5]}}, r"train.betas must be a list of 2"),
    ({"train": {"betas": [0.5, 1.0]}}, r"train.betas\[1\] must be in"),
    ({"train": {"lr_d": -1}}, "train.lr_d must be > 0"),
    ({"train": {"progress": "yes"}}, "train.progress must be true or false"),
    ({"data": {"channels": 2}}, "data.channels must be 1 or 3"),
    ({"gan": {"augment": "translation,blur"}}, "unknown augmentation 'blur'"),
    ({"train": "fast"}, "train must be a mapping"),
])
def test_bad_values_name_the_key(override, message):
    with pytest.raises(ConfigError, match=message):
        resolve(override)


def test_incompatible_combinations_are_errors():
    with pytest.raises(ConfigError, match="wasserstein needs a Lipschitz constraint"):
        resolve({"gan": {"loss": "wasserstein"}})
    resolve({"gan": {"loss": "wasserstein", "penalty": "gradient_penalty"}, "model": {"d_norm": "none"}})
    resolve({"gan": {"loss": "wasserstein"}, "model": {"spectral_norm": True}})
    with pytest.raises(ConfigError, match="label_smoothing applies to"):
        resolve({"gan": {"loss": "hinge", "label_smoothing": 0.1}})
    with pytest.raises(ConfigError, match="multiple of gan.pack"):
        resolve({"gan": {"pack": 3}, "train": {"batch_size": 64}})


def test_questionable_combination_warns():
    with pytest.warns(ConfigWarning, match="batch norm in D"):
        resolve({"gan": {"loss": "wasserstein", "penalty": "gradient_penalty"}})


def test_parse_set_builds_nested_typed_overrides():
    out = parse_set(["train.steps=10", "gan.loss=hinge", "train.betas=[0.0, 0.9]", "model.width=null",
                     "train.compile=true"])
    assert out == {"train": {"steps": 10, "betas": [0.0, 0.9], "compile": True}, "gan": {"loss": "hinge"},
                   "model": {"width": None}}
    with pytest.raises(ConfigError, match="key=value"):
        parse_set(["train.steps"])


def test_load_yaml_errors(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_yaml(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("train: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_yaml(bad)
    listy = tmp_path / "list.yaml"
    listy.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="must hold a mapping"):
        load_yaml(listy)


def test_to_dict_round_trips_and_diff_lists_changed_keys():
    a = resolve({"train": {"steps": 5}})
    assert resolve(a.to_dict()) == a
    b = resolve({"train": {"steps": 6}, "gan": {"loss": "hinge"}})
    assert diff(a.to_dict(), b.to_dict()) == {"gan.loss": ("nonsaturating", "hinge"), "train.steps": (5, 6)}


def test_numbers_as_people_write_them(tmp_path):
    """PyYAML reads ``1e-4`` (no dot) as a string; numeric keys accept it, and integral floats for ints."""
    path = tmp_path / "c.yaml"
    path.write_text("train:\n  lr_g: 1e-4\n  lr_d: '2E-4'\n  steps: 1e3\n  batch_size: '32'\n")
    loaded = load_yaml(path)
    assert loaded["train"]["lr_g"] == "1e-4"  # what PyYAML gives
    cfg = resolve(loaded, parse_set(["train.ema=9e-1", "train.seed=2e0"]))
    assert cfg.train.lr_g == 1e-4 and cfg.train.lr_d == 2e-4 and cfg.train.ema == 0.9
    assert cfg.train.steps == 1000 and isinstance(cfg.train.steps, int)
    assert cfg.train.batch_size == 32 and cfg.train.seed == 2 and isinstance(cfg.train.seed, int)


@pytest.mark.parametrize("override, message", [
    ({"train": {"steps": 1.5e3 + 0.5}}, "train.steps must be an integer; got 1500.5"),
    ({"train": {"steps": "1.5"}}, "train.steps must be an integer; got '1.5'"),
    ({"train": {"lr_g": "fast"}}, "train.lr_g must be a number; got 'fast'"),
    ({"train": {"lr_g": ".nan"}}, "train.lr_g must be a number"),
    ({"train": {"lr_g": "inf"}}, "train.lr_g must be a number"),
])
def test_numeric_strings_that_are_not_numbers_are_refused(override, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        resolve(override)
