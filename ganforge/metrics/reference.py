"""Reference statistics cache: features of real data, computed once per data set, extractor and size.

A cache entry is keyed by the data set's name, the extractor's name, the sample count and a
sha256 over what the features were computed from: the exact data (bytes, shape, dtype) and the
extractor's fingerprint (its weights, input size, precision and preprocessing). The hash is
recomputed from the data every time, so a changed data set or extractor can never be answered
from a stale entry: it simply has another key. Entries hold the features themselves (FID needs
only mean and covariance, but KID, precision/recall and density/coverage need the points), so a
cached evaluation gives the same numbers as an uncached one, bit for bit.

Location: ``$GANFORGE_CACHE/reference`` (default ``~/.cache/ganforge/reference``);
``GANFORGE_CACHE=off`` turns the disk cache off.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ganforge.features import FeatureExtractor, Features
from ganforge.io import atomic_write

__all__ = ["ReferenceCache", "data_hash", "default_cache_dir"]

FORMAT = 2


def default_cache_dir() -> Path | None:
    """``$GANFORGE_CACHE/reference``, ``~/.cache/ganforge/reference``, or None when turned off."""
    env = os.environ.get("GANFORGE_CACHE")
    if env is not None and env.strip().lower() in ("", "0", "off", "none", "false"):
        return None
    root = Path(env).expanduser() if env else Path.home() / ".cache" / "ganforge"
    return root / "reference"


def data_hash(data: torch.Tensor) -> str:
    """sha256 of a tensor's dtype, shape and bytes."""
    t = data.detach().cpu().contiguous()
    h = hashlib.sha256(f"{t.dtype}:{tuple(t.shape)}:".encode())
    h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


class ReferenceCache:
    """Features of reference data on disk (and in memory for this process). ``root=None``: memory only."""

    def __init__(self, root: str | os.PathLike | None | bool = True) -> None:
        self.root = default_cache_dir() if root is True else (Path(root) if root else None)
        self._memory: dict[str, Features] = {}
        self.hits = self.misses = 0

    def key(self, data: torch.Tensor, name: str, extractor: FeatureExtractor) -> dict[str, Any]:
        return {"format": FORMAT, "data": name, "extractor": extractor.name, "n": int(len(data)),
                "data_sha256": data_hash(data), "extractor_sha256": extractor.fingerprint()}

    def path(self, key: dict[str, Any]) -> Path | None:
        if self.root is None:
            return None
        digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", key["data"])[:60]
        return self.root / f"{safe}-{key['extractor']}-n{key['n']}-{digest}.npz"

    def features(self, data: torch.Tensor, name: str, extractor: FeatureExtractor, batch_size: int = 200
                 ) -> Features:
        """Features of ``data`` (called ``name``) under ``extractor``: from the cache when valid, else computed."""
        if not extractor.cacheable:
            self.misses += 1
            return extractor(data, batch_size, "reference samples")
        key = self.key(data, name, extractor)
        memo = json.dumps(key, sort_keys=True)
        if memo in self._memory:
            self.hits += 1
            return self._memory[memo]
        path = self.path(key)
        feats = self._load(path, key) if path is not None else None
        if feats is None:
            self.misses += 1
            feats = extractor(data, batch_size, "reference samples")
            if path is not None:
                self._save(path, key, feats)
        else:
            self.hits += 1
        self._memory[memo] = feats
        return feats

    @staticmethod
    def _load(path: Path, key: dict[str, Any]) -> Features | None:
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as npz:
                meta = json.loads(str(npz["meta"]))
                if meta.get("key") != key:
                    return None
                logits = npz["logits"] if "logits" in npz.files else None
                return Features(npz["features"], meta["extractor"], tuple(meta["input_size"]),
                                tuple(meta["sample_shape"]), logits, meta["precision"])
        except (OSError, ValueError, KeyError):
            return None  # unreadable entry: computed again and rewritten

    @staticmethod
    def _save(path: Path, key: dict[str, Any], feats: Features) -> None:
        meta = {"key": key, "extractor": feats.extractor, "input_size": list(feats.input_size),
                "sample_shape": list(feats.sample_shape), "precision": feats.precision}
        arrays = {"features": feats.features, "meta": np.array(json.dumps(meta))}
        if feats.logits is not None:
            arrays["logits"] = feats.logits
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        try:
            atomic_write(path, lambda f: f.write(buf.getvalue()))
        except OSError:
            pass  # a read-only cache folder only costs time
