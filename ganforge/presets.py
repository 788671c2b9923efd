"""Named presets: overrides of the config defaults for common jobs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_PRESET = "mnist"


@dataclass(frozen=True)
class Preset:
    description: str
    overrides: dict[str, Any]


def _mixture(source: str, steps: int) -> dict[str, Any]:
    """A stabilised MLP GAN for a 2-D Gaussian mixture, tuned with ``benchmarks/mode_collapse.py``.

    Minibatch-std in D keeps G from collapsing onto one mode (PacGAN packing does too, but it
    makes D judge a mixture of pack**2 or more modes and the modes sharpen far more slowly);
    R1 on real data; G learns 4x faster than D, Adam without momentum; learning rates decay
    linearly to 0, which with the EMA of G pulls the samples tight onto the modes.
    """
    return {
        "name": source,
        "data": {"source": source},
        "model": {"arch": "mlp", "latent_dim": 2, "width": 256, "depth": 3, "minibatch_std": True},
        "gan": {"loss": "nonsaturating", "penalty": "r1", "penalty_weight": 0.1},
        "train": {"steps": steps, "batch_size": 256, "lr_g": 2e-3, "lr_d": 5e-4, "betas": [0.0, 0.9],
                  "lr_schedule": "linear", "ema": 0.995, "precision": "fp32", "log_every": 250,
                  "sample_every": 1000, "checkpoint_every": 1000},
    }


def _conditional(source: str, kind: str, steps: int) -> dict[str, Any]:
    """A class-conditional DCGAN (``gan.kind``) on a built-in labelled digits set."""
    mnist = source == "mnist"
    return {
        "name": f"{source}-{kind}",
        "data": {"source": source},
        "model": {"arch": "dcgan", "latent_dim": 64 if mnist else 32, "width": 64},
        "gan": {"kind": kind, "loss": "nonsaturating"},
        "train": {"steps": steps, "batch_size": 64, "lr_g": 2e-4, "lr_d": 2e-4, "ema": 0.999 if mnist else 0.99,
                  "ema_start": 500 if mnist else 0, "sample_every": 500, "checkpoint_every": 1000},
    }


def _dagan(source: str, steps: int) -> dict[str, Any]:
    """DAGAN (image-conditional variations) on a built-in labelled digits set."""
    mnist = source == "mnist"
    return {
        "name": f"{source}-dagan",
        "data": {"source": source},
        "model": {"arch": "dcgan", "latent_dim": 32 if mnist else 16, "width": 32, "d_norm": "none"},
        "gan": {"kind": "dagan", "loss": "nonsaturating", "penalty": "r1", "penalty_weight": 1.0},
        "train": {"steps": steps, "batch_size": 64, "lr_g": 2e-4, "lr_d": 2e-4, "ema": 0.999 if mnist else 0.99,
                  "ema_start": 500 if mnist else 0, "sample_every": 500, "checkpoint_every": 1000},
    }


def _sound(name: str, source: str, kind: str, steps: int, width: int, latent_dim: int) -> dict[str, Any]:
    """WaveGAN / SpecGAN / the piano-roll GAN with the WGAN-GP recipe of their papers (Wasserstein loss,
    gradient penalty 10, 5 critic steps, Adam 1e-4 with betas 0.5, 0.9), narrower than the papers' so a CPU
    gets somewhere; ``benchmarks/audio.py`` and ``benchmarks/music.py`` train wider ones for a time budget.
    Audio runs are scored every 250 steps by the shipped spoken-digit classifier (FD, IS, accuracy on the
    requested digit; checkpoints/best.pt by FD)."""
    audio = kind in ("wavegan", "specgan")
    evaluation = {"eval": {"every": 250, "metrics": "fid,is,cond_acc", "n": 500, "monitor": "fid"}} if audio else {}
    return {**evaluation,
        "name": name,
        "data": {"source": source},
        "model": {"latent_dim": latent_dim, "width": width, "d_norm": "none"},
        "gan": {"kind": kind, "loss": "wasserstein", "penalty": "gradient_penalty", "penalty_weight": 10.0,
                "n_critic": 5},
        "train": {"steps": steps, "batch_size": 32, "lr_g": 1e-4, "lr_d": 1e-4, "betas": [0.5, 0.9], "ema": 0.99,
                  "precision": "fp32", "log_every": 25, "sample_every": 250, "checkpoint_every": 250},
    }


def _chorales(steps: int) -> dict[str, Any]:
    """The piano-roll GAN on SATB chorales: four voices (a softmax over pitches and a rest per voice and
    step), 0/1 rolls to D with a straight-through gradient, the non-saturating loss with R1 (gamma 1) and
    two D steps per G step, batch 16 at 5e-4: in 12-minute probes on a 2-core CPU this learned voice ranges
    and key where MuseGAN's WGAN-GP recipe (5 critic steps, batch 64, sigmoid cells) was still at noise
    (``benchmarks/music.py``, README)."""
    cfg = _sound("chorales", "chorales", "musegan", steps, 32, 32)
    cfg["gan"] = {"kind": "musegan", "loss": "nonsaturating", "penalty": "r1", "penalty_weight": 1.0, "n_critic": 2}
    cfg["musegan"] = {"monophonic": True, "binarize": "straight_through"}
    cfg["train"].update(batch_size=16, lr_g=5e-4, lr_d=5e-4, ema=0.999, time_budget="10m", sample_every=500,
                        checkpoint_every=500, log_every=100)
    return cfg


def _translation(kind: str, steps: int, batch_size: int, width: int, **section: Any) -> dict[str, Any]:
    """An image-to-image type (``ganforge/gans/translation_types.py``); the data is the user's:
    ``--set data.source=DIR``. Small crops and widths, so a 2-core CPU trains it in about a quarter of an
    hour; on a GPU raise the crop (128-256), ``model.width`` (64) and the steps."""
    return {
        "name": kind,
        "data": {"source": ""},
        "model": {"width": width},
        "gan": {"kind": kind, "loss": "nonsaturating"},
        kind: section,
        "train": {"steps": steps, "batch_size": batch_size, "lr_g": 2e-4, "lr_d": 2e-4, "betas": [0.5, 0.999],
                  "ema": 0.999, "log_every": 50, "sample_every": 250, "checkpoint_every": 500},
        "eval": {"every": 0},
    }


PRESETS: dict[str, Preset] = {
    "mnist": Preset(
        "DCGAN on the built-in 5,000-image MNIST subset (28x28); 3,000 steps or 4 minutes, whichever comes first",
        {
            "name": "mnist",
            "data": {"source": "mnist"},
            "model": {"arch": "dcgan", "latent_dim": 100, "width": 64},
            "gan": {"loss": "nonsaturating"},
            # a time budget so the first run ends in minutes on any CPU (2,000-3,000 steps on 2 cores)
            "train": {"steps": 3000, "time_budget": "4m", "batch_size": 64, "lr_g": 2e-4, "lr_d": 2e-4,
                      "ema": 0.999, "ema_start": 500, "sample_every": 500, "checkpoint_every": 1000},
            # digits-FD and KID of 2,000 samples every 500 steps; checkpoints/best.pt by digits-FD
            "eval": {"every": 500, "metrics": "fid,kid", "features": "digits", "n": 2000, "kid_subsets": 10,
                     "monitor": "fid"},
        },
    ),
    "digits": Preset(
        "DCGAN on scikit-learn's 1,797 8x8 digits; about a minute on a CPU",
        {
            "name": "digits",
            "data": {"source": "digits"},
            "model": {"arch": "dcgan", "latent_dim": 32, "width": 64},
            "train": {"steps": 2000, "batch_size": 64, "ema": 0.99, "sample_every": 500},
        },
    ),
    "mnist-cgan": Preset("conditional DCGAN, label concatenated in D (cGAN), on the MNIST subset",
                         _conditional("mnist", "cgan", 3000)),
    "mnist-acgan": Preset("conditional DCGAN with an auxiliary-classifier D (AC-GAN) on the MNIST subset",
                          _conditional("mnist", "acgan", 3000)),
    "mnist-projection": Preset("conditional DCGAN with a projection D on the MNIST subset",
                               _conditional("mnist", "projection", 3000)),
    "digits-cgan": Preset("conditional DCGAN (projection D) on the 8x8 digits; a minute or two on a CPU",
                          _conditional("digits", "projection", 2000)),
    "mnist-dagan": Preset("DAGAN: variations of a given digit that stay in its class, on the MNIST subset",
                          _dagan("mnist", 3000)),
    "digits-dagan": Preset("DAGAN on the 8x8 digits", _dagan("digits", 2000)),
    "ring8": Preset("MLP GAN with minibatch-std, R1, fast G, LR decay and EMA on 8 Gaussians on a ring",
                    _mixture("ring8", 3000)),
    "grid25": Preset("MLP GAN with minibatch-std, R1, fast G, LR decay and EMA on a 5x5 grid of Gaussians",
                     _mixture("grid25", 4500)),
    "spoken-digits-wavegan": Preset(
        "WaveGAN (class-conditional) on the spoken digits zero..nine, 16 kHz; needs spoken_digits_16k.npz",
        _sound("spoken-digits-wavegan", "spoken-digits", "wavegan", 400, 8, 100)),
    "spoken-digits-specgan": Preset(
        "SpecGAN (class-conditional) on the spoken digits, Griffin-Lim back to sound; needs spoken_digits_16k.npz",
        _sound("spoken-digits-specgan", "spoken-digits", "specgan", 400, 8, 100)),
    "chorales": Preset(
        "piano-roll GAN (MuseGAN-style, one voice per track) on 4-bar SATB phrases of the Bach chorales, 4,000 "
        "steps or 10 minutes; needs bach_chorales_16th.npz", _chorales(4000)),
    "pix2pix": Preset("pix2pix (U-Net + 70x70 PatchGAN, L1 x100 + cGAN) on DIR/A + DIR/B or side-by-side pairs: "
                      "--set data.source=DIR", _translation("pix2pix", 1500, 4, 32, crop=64, depth=6)),
    "colorize": Preset("colourisation (L -> a, b) with pix2pix's networks on any colour images: --set data.source=DIR",
                       _translation("colorize", 1500, 4, 32, crop=64, depth=6)),
    "srgan": Preset("x4 super-resolution, SRResNet for 800 steps then SRGAN: --set data.source=DIR",
                    _translation("srgan", 1600, 8, 32, crop=64, scale=4, pretrain_steps=800)),
    "esrgan": Preset("x4 super-resolution, ESRGAN-lite (3 RRDB blocks, relativistic D): --set data.source=DIR",
                     _translation("esrgan", 1600, 8, 32, crop=64, scale=4, pretrain_steps=800)),
    "cyclegan": Preset("CycleGAN (two 6-block ResNet translators, 70x70 PatchGANs, least squares, cycle x10, "
                       "identity x5, pools of 50 fakes; LR constant, then linearly to 0) on two unpaired image "
                       "folders: --set data.a=DIR --set data.b=DIR; 64-px crops, 2,000 steps or 10 minutes (the "
                       "paper: --set cyclegan.crop=256 --set cyclegan.blocks=9 --set model.width=64 on a GPU)", {
        "name": "cyclegan",
        "data": {"source": ""},
        "model": {"width": 32},
        "gan": {"kind": "cyclegan", "loss": "least_squares"},
        "cyclegan": {"crop": 64, "blocks": 6},
        "train": {"steps": 2000, "time_budget": "10m", "batch_size": 1, "lr_g": 2e-4, "lr_d": 2e-4,
                  "betas": [0.5, 0.999], "lr_schedule": "linear", "lr_hold": 0.5, "log_every": 50,
                  "sample_every": 250, "checkpoint_every": 500},
        "eval": {"every": 0},
    }),
    "gaussian1d": Preset(
        "MLP GAN learning a 1-D Gaussian; seconds on a CPU",
        {
            "name": "gaussian1d",
            "data": {"source": "gaussian1d"},
            "model": {"arch": "mlp", "latent_dim": 4, "width": 64, "depth": 2},
            "train": {"steps": 2000, "batch_size": 128, "lr_g": 1e-3, "lr_d": 1e-3, "precision": "fp32",
                      "log_every": 100, "sample_every": 1000, "checkpoint_every": 1000},
        },
    ),
}


def get_preset(name: str) -> Preset:
    """The preset called ``name``; an unknown name raises KeyError listing the presets."""
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; presets: {', '.join(PRESETS)}") from None
