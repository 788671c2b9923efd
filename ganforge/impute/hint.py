"""GAIN's hint mechanism: what the discriminator is told about the mask, and which entries it is scored on.

``paper`` (Yoon, Jordon & van der Schaar 2018, section 4): ``B ~ Bernoulli(hint_rate)`` per entry,
``H = B * M + 0.5 * (1 - B)``. A revealed entry (``B = 1``) tells D the truth, a hidden one says 0.5;
D's and G's adversarial losses count only the hidden entries (``B = 0``), the ones D must guess. The
paper's own choice, exactly one hidden entry per row, is ``hint_rate = 1 - 1/d``.

``code`` (the reference implementation, jsyoon0823/GAIN): ``H = B * M``: a hidden entry reads as
"missing" (0), and the losses count every entry, revealed or not, so D is partly scored on what it was
told. Kept as an option for comparison with published numbers.
"""

from __future__ import annotations

import torch

HINTS = ("paper", "code")


def hint(mask: torch.Tensor, hint_rate: float, kind: str = "paper",
         generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(H, weight)`` for a 0/1 ``mask`` (1 = observed): D's hint and the weight of each entry in the
    adversarial losses (``paper``: 1 on the hidden entries only; ``code``: 1 everywhere)."""
    if kind not in HINTS:
        raise ValueError(f"hint must be one of {', '.join(HINTS)}, got {kind!r}")
    if not 0.0 <= hint_rate <= 1.0:
        raise ValueError(f"hint_rate must be in [0, 1], got {hint_rate!r}")
    b = (torch.rand(mask.shape, generator=generator, device=mask.device) < hint_rate).to(mask.dtype)
    if kind == "paper":
        return b * mask + 0.5 * (1.0 - b), 1.0 - b
    return b * mask, torch.ones_like(mask)
