import math

import pytest
import torch

from ganforge.losses import LOSSES, PENALTIES, AdversarialLoss, get_loss, gradient_penalty, r1_penalty

REAL = [2.0, -1.0]
FAKE = [0.5, -3.0]


def sp(x):  # softplus, by hand
    return math.log1p(math.exp(x))


def mean(xs):
    return sum(xs) / len(xs)


def sig(x):
    return 1.0 / (1.0 + math.exp(-x))


def bce(x, t):  # -[t log s(x) + (1-t) log(1 - s(x))]
    return -(t * math.log(sig(x)) + (1 - t) * math.log(1 - sig(x)))


def _t(xs):
    return torch.tensor(xs)


EXPECTED_D = {
    "minimax": mean([bce(r, 1.0) for r in REAL]) + mean([bce(f, 0.0) for f in FAKE]),
    "nonsaturating": mean([bce(r, 1.0) for r in REAL]) + mean([bce(f, 0.0) for f in FAKE]),
    "wasserstein": mean(FAKE) - mean(REAL),  # -1.25 - 0.5
    "hinge": mean([max(0.0, 1 - r) for r in REAL]) + mean([max(0.0, 1 + f) for f in FAKE]),  # 1.0 + 0.75
    "least_squares": 0.5 * mean([(r - 1) ** 2 for r in REAL]) + 0.5 * mean([f**2 for f in FAKE]),
}
EXPECTED_G = {
    "minimax": mean([math.log(1 - sig(f)) for f in FAKE]),
    "nonsaturating": mean([-math.log(sig(f)) for f in FAKE]),
    "wasserstein": -mean(FAKE),
    "hinge": -mean(FAKE),
    "least_squares": 0.5 * mean([(f - 1) ** 2 for f in FAKE]),
}


def test_registry_names():
    assert set(LOSSES) == {"minimax", "nonsaturating", "wasserstein", "hinge", "least_squares"}
    for name, loss in LOSSES.items():
        assert isinstance(loss, AdversarialLoss)
        assert loss.name == name
        assert get_loss(name) is loss
    assert set(PENALTIES) == {"gradient_penalty", "r1"}


@pytest.mark.parametrize("name", sorted(EXPECTED_D))
def test_loss_values(name):
    loss = get_loss(name)
    d = loss.d_loss(_t(REAL), _t(FAKE))
    g = loss.g_loss(_t(FAKE))
    assert d.shape == () and g.shape == ()
    assert d.item() == pytest.approx(EXPECTED_D[name], rel=1e-6, abs=1e-6)
    assert g.item() == pytest.approx(EXPECTED_G[name], rel=1e-6, abs=1e-6)


def test_hand_numbers_sanity():
    # Explicit numbers for the piecewise-linear / quadratic losses.
    assert EXPECTED_D["wasserstein"] == pytest.approx(-1.75)
    assert EXPECTED_D["hinge"] == pytest.approx(1.75)
    assert EXPECTED_D["least_squares"] == pytest.approx(0.5 * 2.5 + 0.5 * 4.625)
    assert EXPECTED_G["least_squares"] == pytest.approx(0.5 * (0.25 + 16) / 2)
    # log(1 - sigmoid(f)) == -softplus(f)
    assert EXPECTED_G["minimax"] == pytest.approx(-mean([sp(f) for f in FAKE]))


def test_logits_of_any_shape_are_mean_reduced():
    real = torch.tensor([[2.0, -1.0], [2.0, -1.0]]).view(2, 1, 2)
    fake = torch.tensor([0.5, -3.0]).view(2, 1, 1, 1)
    for name, loss in LOSSES.items():
        assert loss.d_loss(real, fake).item() == pytest.approx(EXPECTED_D[name], rel=1e-6, abs=1e-6)
        assert loss.g_loss(fake).item() == pytest.approx(EXPECTED_G[name], rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("name", ["minimax", "nonsaturating"])
def test_label_smoothing_bce(name):
    t = 0.9
    d = get_loss(name).d_loss(_t(REAL), _t(FAKE), real_target=t).item()
    expected = mean([bce(r, t) for r in REAL]) + mean([bce(f, 0.0) for f in FAKE])
    assert d == pytest.approx(expected, rel=1e-6)
    assert d != pytest.approx(EXPECTED_D[name], rel=1e-4)


def test_label_smoothing_least_squares():
    d = get_loss("least_squares").d_loss(_t(REAL), _t(FAKE), real_target=0.9).item()
    expected = 0.5 * mean([(r - 0.9) ** 2 for r in REAL]) + 0.5 * mean([f**2 for f in FAKE])
    assert d == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("name", ["wasserstein", "hinge"])
def test_real_target_ignored_without_smoothing_support(name):
    loss = get_loss(name)
    assert loss.d_loss(_t(REAL), _t(FAKE), 0.9).item() == pytest.approx(EXPECTED_D[name])


def test_flags():
    smooth = {n for n, l in LOSSES.items() if l.supports_label_smoothing}
    lip = {n for n, l in LOSSES.items() if l.needs_lipschitz}
    assert smooth == {"minimax", "nonsaturating", "least_squares"}
    assert lip == {"wasserstein"}


def test_unknown_loss():
    with pytest.raises(ValueError) as exc:
        get_loss("wgan")
    msg = str(exc.value)
    assert "wgan" in msg
    for name in LOSSES:
        assert name in msg


def test_bad_real_target():
    with pytest.raises(ValueError):
        get_loss("minimax").d_loss(_t(REAL), _t(FAKE), real_target=1.5)


@pytest.mark.parametrize("name", sorted(EXPECTED_D))
def test_bf16_inputs_give_finite_float32(name):
    loss = get_loss(name)
    real = (torch.randn(64, 1) * 30).bfloat16().requires_grad_()
    fake = (torch.randn(64, 1) * 30).bfloat16().requires_grad_()
    d = loss.d_loss(real, fake, 0.9)
    g = loss.g_loss(fake)
    assert d.dtype == torch.float32 and g.dtype == torch.float32
    assert torch.isfinite(d) and torch.isfinite(g)
    (d + g).backward()
    assert real.grad.dtype == torch.bfloat16 and torch.isfinite(real.grad).all()


def test_bce_stable_for_extreme_logits():
    big = torch.tensor([100.0, -100.0])
    for name in ("minimax", "nonsaturating"):
        loss = get_loss(name)
        assert torch.isfinite(loss.d_loss(big, big, 0.9))
        assert torch.isfinite(loss.g_loss(big))


# --- gradient penalty -------------------------------------------------------------


def _linear_d(w, b=0.3):
    return lambda x: x.flatten(1) @ w + b


@pytest.mark.parametrize("shape", [(5, 4), (3, 2, 3, 3)])
def test_gradient_penalty_linear_discriminator(shape):
    torch.manual_seed(0)
    n_features = math.prod(shape[1:])
    w = torch.randn(n_features)
    real, fake = torch.randn(shape), torch.randn(shape)
    gp = gradient_penalty(_linear_d(w), real, fake)
    norm = math.sqrt(sum(v * v for v in w.tolist()))
    assert gp.item() == pytest.approx((norm - 1.0) ** 2, rel=1e-5)
    gp2 = gradient_penalty(_linear_d(w), real, fake, center=0.0)
    assert gp2.item() == pytest.approx(norm**2, rel=1e-5)


def test_gradient_penalty_per_sample_norm():
    # D(x) = sum x^2 -> grad = 2 x_hat; recompute alpha from the same seed.
    torch.manual_seed(1)
    real = torch.randn(4, 2, 3, 3)
    fake = torch.randn(4, 2, 3, 3)
    gp = gradient_penalty(lambda x: (x**2).flatten(1).sum(1), real, fake, generator=torch.Generator().manual_seed(7))
    alpha = torch.rand(4, 1, 1, 1, generator=torch.Generator().manual_seed(7))
    x_hat = alpha * real + (1 - alpha) * fake
    per_sample = []
    for i in range(4):
        g = [2.0 * v for v in x_hat[i].flatten().tolist()]
        per_sample.append((math.sqrt(sum(v * v for v in g)) - 1.0) ** 2)
    assert gp.item() == pytest.approx(mean(per_sample), rel=1e-5)
    # A batch-global norm would give a different number.
    global_norm = 2.0 * x_hat.norm().item()
    assert gp.item() != pytest.approx((global_norm - 1.0) ** 2, rel=1e-3)


def test_gradient_penalty_reproducible_and_backprops_to_params():
    torch.manual_seed(2)
    net = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    real = torch.randn(5, 6)
    fake = torch.randn(5, 6, requires_grad=True)
    a = gradient_penalty(net, real, fake, generator=torch.Generator().manual_seed(3))
    b = gradient_penalty(net, real, fake, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    a.backward()
    # The last bias does not affect grad_x D, so only the weights get gradients.
    for p in (net[0].weight, net[0].bias, net[2].weight):
        assert p.grad is not None and torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0
    assert fake.grad is None  # inputs are detached


def test_gradient_penalty_under_bf16_autocast():
    torch.manual_seed(4)
    net = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    real, fake = torch.randn(5, 6), torch.randn(5, 6)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        gp = gradient_penalty(net, real, fake)
    assert gp.dtype == torch.float32 and torch.isfinite(gp)
    gp.backward()
    assert torch.isfinite(net[0].weight.grad).all()


# --- R1 ----------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(6, 5), (3, 2, 2, 2)])
def test_r1_linear(shape):
    torch.manual_seed(5)
    w = torch.randn(math.prod(shape[1:]))
    real = torch.randn(shape, requires_grad=True)
    r1 = r1_penalty(_linear_d(w)(real), real)
    assert r1.item() == pytest.approx(sum(v * v for v in w.tolist()), rel=1e-5)


def test_r1_per_sample_and_create_graph():
    real = torch.tensor([[1.0, 2.0], [3.0, 0.0]], requires_grad=True)
    scale = torch.tensor(1.5, requires_grad=True)
    logits = scale * (real**2).sum(1)  # grad = 2*scale*x
    r1 = r1_penalty(logits, real)
    expected = mean([(2 * 1.5) ** 2 * (1 + 4), (2 * 1.5) ** 2 * 9])
    assert r1.item() == pytest.approx(expected)
    r1.backward()  # d/dscale of 4 scale^2 * mean(|x|^2) = 8 scale * 7
    assert scale.grad.item() == pytest.approx(8 * 1.5 * 7)


def test_r1_requires_grad():
    real = torch.randn(2, 3)
    with pytest.raises(ValueError):
        r1_penalty(real.sum(1), real)


def test_a_registered_loss_is_a_config_choice_and_the_gan_uses_it():
    from ganforge.config import ConfigError, resolve
    from ganforge.gans.base import GAN

    mine = AdversarialLoss("softplus_hinge", False, False, lambda r, f, t: (torch.nn.functional.softplus(-r)
                           + torch.nn.functional.softplus(f)).mean(), lambda f: torch.nn.functional.softplus(-f).mean())
    LOSSES.register("softplus_hinge", mine)
    try:
        assert resolve({"gan": {"loss": "softplus_hinge"}}).gan.loss == "softplus_hinge"
        gan = GAN(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1), latent_dim=2, loss="softplus_hinge")
        assert gan.loss is mine
    finally:
        LOSSES.unregister("softplus_hinge")
    with pytest.raises(ConfigError, match=r"gan.loss: unknown adversarial loss 'softplus_hinge'"):
        get_loss("softplus_hinge")
