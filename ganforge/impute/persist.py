"""A fitted :class:`GANImputer` as a folder: ``imputer.json`` (parameters, column encoding, training
figures, provenance) and ``generator.safetensors`` (G's weights; D is not needed to impute). No pickle."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import torch

from ganforge.errors import CheckpointError
from ganforge.io import atomic_folder, atomic_write, folder_file, read_manifest, to_plain, write_text
from ganforge.provenance import provenance

from .encoding import Encoding

FORMAT = "ganforge.GANImputer"
META = "imputer.json"
WEIGHTS = "generator.safetensors"


def is_model(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a folder :func:`save` wrote."""
    meta = read_manifest(path, META)
    return meta is not None and meta.get("format") == FORMAT


def save(imputer, path: str | os.PathLike) -> Path:
    """Write the fitted ``imputer`` to the folder ``path`` atomically (an earlier model folder is replaced)."""
    from safetensors.torch import save as safetensors_bytes

    tensors = {k: v.detach().cpu().contiguous() for k, v in imputer.generator_.state_dict().items()}
    params = {k: v for k, v in imputer.get_params().items()}
    meta = {"format": FORMAT, "params": params, "encoding": imputer.encoding_.to_dict(),
            "n_features_in": imputer.n_features_in_, "missing_rate": imputer.missing_rate_,
            "training": imputer.training_, "shrinkage": imputer.shrinkage_,
            "means": imputer.means_.tolist(), **provenance()}
    weights = safetensors_bytes(tensors, metadata={"format": FORMAT})
    with atomic_folder(path, manifest=META, fmt=FORMAT) as folder:
        atomic_write(folder / WEIGHTS, lambda f: f.write(weights))
        write_text(folder / META, json.dumps(to_plain(meta), indent=1) + "\n")
    return Path(path)


def load(path: str | os.PathLike, device: str = "cpu"):
    """The :class:`GANImputer` saved in ``path``, ready to ``transform``."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from .model import GANImputer

    path = Path(path)
    if not is_model(path):
        raise CheckpointError(f"{path} is not a GANImputer model folder (it needs {META} of format {FORMAT})")
    meta = read_manifest(path, META)
    try:
        state = load_file(str(folder_file(path, meta, WEIGHTS)))
    except (OSError, SafetensorError) as exc:
        raise CheckpointError(f"cannot read the weights of {path}: {exc}") from None
    imputer = GANImputer(**{**meta["params"], "device": device})
    imputer.encoding_ = Encoding.from_dict(meta["encoding"])
    imputer.n_features_in_ = int(meta["n_features_in"])
    imputer.missing_rate_ = float(meta["missing_rate"])
    imputer.training_ = meta["training"]
    imputer.shrinkage_ = float(meta.get("shrinkage", 1.0))
    default = np.zeros(len(imputer.encoding_.numeric_features))  # any means: a weight of 1 ignores them
    imputer.means_ = np.asarray(meta.get("means", default), dtype=np.float32)
    imputer._build()
    for name, tensor in imputer.generator_.state_dict().items():  # saved before G had its linear path:
        if name.startswith("linear.") and name not in state:      # zeros are the same generator
            state[name] = torch.zeros_like(tensor, device="cpu")
    try:
        imputer.generator_.load_state_dict({k: v.to(torch.device(device)) for k, v in state.items()})
    except RuntimeError as exc:
        raise CheckpointError(f"{path}: the weights do not fit the described networks: {exc}") from None
    return imputer
