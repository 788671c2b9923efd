"""Scores of unpaired translation (CycleGAN), where no output has a target to compare with.

* **FID to B**: the Frechet distance between the features of translated A images and of real B
  images (the ``fid`` metric, any extractor: a shipped one, Inception, or one trained on your data
  with ``ganforge features train``). It says whether the outputs look like domain B as a whole.
* **Label preservation**: where the A images carry labels (digit classes, object categories), the
  fraction of translations that a classifier trained on domain B gives the label of their source
  (the ``cond_acc`` metric with that classifier). It says whether the content survived: a translator
  that draws any good-looking B image scores a low FID but only chance here.

Both take images as every metric does (uint8, or float in [-1, 1], ``(N, C, H, W)``).
"""

from __future__ import annotations

from typing import Any

from ganforge.errors import DataError
from ganforge.metrics import get_metric

__all__ = ["unpaired_scores"]


def unpaired_scores(translated: Any, real_b: Any, *, source_labels: Any = None, classifier: Any = None,
                    extractor: Any = "auto", **kwargs: Any) -> dict[str, Any]:
    """``{"fid", "label_preservation" (with labels and a classifier), "n_translated", "n_real", "extractor"}``.

    ``extractor`` gives the features of the FID; ``classifier`` (anything :func:`~ganforge.features.get_extractor`
    takes whose output has logits over the classes of ``source_labels``, e.g. a ``features train`` file
    trained on labelled B images) judges label preservation. ``kwargs`` go to the metrics (``device``, ...).
    """
    fid = get_metric("fid")(translated, real_b, extractor=extractor, **kwargs)
    out = {"fid": fid["values"]["fid"], "n_translated": fid["n_fake"], "n_real": fid["n_real"],
           "extractor": fid["extractor"]}
    if (source_labels is None) != (classifier is None):
        raise DataError("label preservation needs both the source images' labels and a classifier of domain B")
    if classifier is not None:
        acc = get_metric("cond_acc")(translated, source_labels, extractor=classifier, **kwargs)
        out["label_preservation"] = acc["values"]["cond_acc"]
        out["classifier"] = acc["extractor"]
    return out
