"""``gan.kind: tabular``: the tabular GAN trained from a config like any other GAN type; its rules in one place."""

import pytest
import yaml

from ganforge.cli import main
from ganforge.config import resolve
from ganforge.errors import ConfigError
from ganforge.registry import GAN_TYPES
from ganforge.runs.experiment import load_run
from ganforge.tabular import TabularGAN


def test_a_run_from_a_config_trains_through_the_cli_and_loads_back_as_a_table(tmp_path):
    cfg = GAN_TYPES.get("tabular").example(tmp_path)
    (tmp_path / "table.yaml").write_text(yaml.safe_dump(cfg))
    assert main(["train", str(tmp_path / "table.yaml"), "--out", str(tmp_path / "run"), "--set", "train.steps=2",
                 "-q"]) == 0
    assert (tmp_path / "run" / "samples" / "step_0000002.png").is_file()  # the preview is drawn
    gan, config = load_run(tmp_path / "run")
    assert config.sections["tabular"].hidden == 8
    table = gan.transformer.inverse_transform(gan.sample(5).numpy(), seed=0)
    assert list(table.columns) == ["x", "c"] and len(table) == 5 and set(table["c"]) <= {"a", "b", "c"}


@pytest.mark.parametrize("override, message", [
    ({"tabular": {"discrete": "hard"}}, "tabular.discrete must be one of gumbel"),
    ({"tabular": {"hiden": 8}}, r"unknown config key 'tabular.hiden' \(did you mean 'tabular.hidden'"),
    ({"tabular": {"dropout": 1.0}}, r"tabular.dropout must be in \[0, 1\)"),
    ({"gan": {"augment": "translation"}}, "gan.augment does not apply to gan.kind=tabular"),
    ({"train": {"batch_size": 1}}, "train.batch_size must be at least 2"),
    ({"train": {"batch_size": 10}, "gan": {"pack": 4}}, r"train.batch_size \(10\) must be a multiple of gan.pack"),
])
def test_bad_settings_name_the_key(override, message):
    base = {"gan": {"kind": "tabular", **override.get("gan", {})}, "train": override.get("train", {}),
            "tabular": override.get("tabular", {})}
    with pytest.raises(ConfigError, match=message):
        resolve(base)


def test_tabular_gan_parameters_are_checked_by_the_same_rules_and_name_the_parameter():
    with pytest.raises(ConfigError, match=r"^discriminator_dropout must be in \[0, 1\)"):
        TabularGAN(discriminator_dropout=1.5)
    with pytest.raises(ConfigError, match=r"^batch_size \(10\) must be a multiple of pack \(4\)"):
        TabularGAN(batch_size=10, pack=4)
