"""ganforge.training.runtime: the precision choice (CPU flags mocked both ways), what a run prints and
records about it, and the process group's timeout."""

import datetime
import json
import warnings

import pytest
import torch
import torch.distributed as dist

from ganforge.config import ConfigError, resolve
from ganforge.runs.experiment import build_gan, config_from, load_data, train
from ganforge import hardware
from ganforge.training import Trainer, runtime
from ganforge.training.runtime import choose_precision, cpu_flags, init_distributed
from conftest import tiny_image_config
from test_trainer import make_trainer

CPU = torch.device("cpu")
SAPPHIRE_RAPIDS = frozenset({"sse2", "avx2", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16"})
SKYLAKE_AVX512 = frozenset({"sse2", "avx2", "avx512f", "avx512bw"})  # oneDNN emulates bf16 here


@pytest.fixture
def flags(monkeypatch):
    """Pretend to run on a CPU with the given flags (None: an OS without /proc/cpuinfo)."""
    def use(value):
        monkeypatch.setattr(hardware, "cpu_flags", lambda: value)
    return use


def test_cpu_flags_reads_the_flags_line(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu avx2 avx512f amx_bf16\n\nprocessor\t: 1\n")
    assert cpu_flags(str(info)) == {"fpu", "avx2", "avx512f", "amx_bf16"}
    assert cpu_flags(str(tmp_path / "missing")) is None


@pytest.mark.parametrize("cpu", [SAPPHIRE_RAPIDS, frozenset({"avx512f", "avx512_bf16"})])
def test_auto_is_bf16_where_the_cpu_has_native_bf16(flags, cpu):
    flags(cpu)
    dtype, why = choose_precision("auto", CPU)
    assert dtype == torch.bfloat16 and why.startswith("bf16: this CPU has native bf16")


@pytest.mark.parametrize("cpu", [SKYLAKE_AVX512, frozenset({"avx2"}), None])
def test_auto_is_fp32_where_bf16_would_be_emulated(flags, cpu):
    flags(cpu)
    dtype, why = choose_precision("auto", CPU)
    assert dtype == torch.float32 and why.startswith("fp32: ")
    assert ("no native bf16" if cpu is not None else "cannot be detected") in why


def test_explicit_precision_is_obeyed(flags):
    flags(SKYLAKE_AVX512)
    with pytest.warns(UserWarning, match="slower than fp32"):
        dtype, why = choose_precision("bf16", CPU)
    assert dtype == torch.bfloat16 and "emulated" in why
    flags(SAPPHIRE_RAPIDS)
    assert choose_precision("fp32", CPU) == (torch.float32, "fp32: as configured")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert choose_precision("bf16", CPU) == (torch.bfloat16, "bf16: as configured")


def test_auto_on_cuda_is_tf32_and_bf16_when_asked(monkeypatch):
    """On an H200 bf16 autocast made the default DCGAN slower (0.66x), so auto trains fp32 on TF32 cores."""
    before = torch.get_float32_matmul_precision()
    for supported in (True, False):
        monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: supported)
        got, why = choose_precision("auto", torch.device("cuda"))
        assert got == torch.float32 and "TF32" in why
    assert torch.get_float32_matmul_precision() == "high"
    torch.set_float32_matmul_precision(before)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert choose_precision("bf16", torch.device("cuda")) == (torch.bfloat16, "bf16: as configured")


@pytest.mark.parametrize("cpu, dtype, reason", [(SKYLAKE_AVX512, "float32", "fp32: this CPU has no native bf16"),
                                                (SAPPHIRE_RAPIDS, "bfloat16", "bf16: this CPU has native bf16")])
def test_a_run_prints_and_records_its_precision_and_why(tmp_path, flags, capsys, cpu, dtype, reason):
    flags(cpu)
    make_trainer(tmp_path / "r", steps=2, progress=True).fit()
    start = json.loads((tmp_path / "r" / "run.json").read_text())["starts"][0]
    assert start["precision"] == dtype and start["precision_reason"].startswith(reason)
    assert start["threads"] == torch.get_num_threads()
    line = next(x for x in capsys.readouterr().err.splitlines() if x.startswith("data: "))
    assert line.startswith("data: digits, 1797 images 1x8x8, 10 classes | device cpu, ")
    assert f"{torch.get_num_threads()} thread" in line and reason in line


def test_quiet_runs_print_no_start_line(tmp_path, capsys):
    make_trainer(tmp_path / "r", steps=2).fit()  # progress=False
    assert "data: " not in capsys.readouterr().err


class _Joined(Exception):
    """Raised by the mocked init_process_group once it has seen its arguments."""


@pytest.fixture
def fake_group(monkeypatch):
    seen = {}

    def init_process_group(**kwargs):
        seen.update(kwargs)
        raise _Joined

    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setattr(dist, "is_initialized", lambda: False)
    monkeypatch.setattr(dist, "init_process_group", init_process_group)
    return seen


def test_init_distributed_passes_the_timeout(fake_group):
    with pytest.raises(_Joined):
        init_distributed(CPU, timeout=42)
    assert fake_group == {"backend": "gloo", "timeout": datetime.timedelta(seconds=42)}


@pytest.mark.parametrize("entry", ["train", "trainer"])
def test_train_dist_timeout_reaches_init_process_group(tmp_path, fake_group, entry):
    with pytest.raises(_Joined):
        if entry == "train":
            train(tiny_image_config(dist_timeout=42.5), out=tmp_path / "r")
        else:
            make_trainer(tmp_path / "r", dist_timeout=42.5)
    assert fake_group["timeout"] == datetime.timedelta(seconds=42.5)


def test_dist_timeout_default_and_validation():
    assert resolve({}).train.dist_timeout == 600
    for bad in (0, -5):
        with pytest.raises(ConfigError, match="train.dist_timeout must be > 0"):
            resolve({"train": {"dist_timeout": bad}})


@pytest.mark.parametrize("name", ["auto", "cuda"])
def test_cuda_without_an_index_means_the_current_device(monkeypatch, name):
    """torch.cuda.set_device refuses torch.device("cuda") (no index): a plain `ganforge train` on a GPU
    machine failed there (seen on an H200 with torch 2.11)."""
    chosen = []
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "set_device", lambda device: chosen.append(device))
    assert runtime.resolve_device(name) == torch.device("cuda", 0) and chosen == [torch.device("cuda", 0)]


def test_the_start_line_leaves_the_training_unchanged(tmp_path):
    """Describing the data must not draw random numbers: a run with the start line (progress on) trains
    exactly as one without it (and a resumed run continues bit for bit)."""
    def run(**train):  # DAGAN: its batches draw each image's partner from the global RNG
        cfg = tiny_image_config(steps=4, **train)
        cfg["gan"]["kind"] = "dagan"
        cfg = config_from(cfg)
        data = load_data(cfg)
        torch.manual_seed(0)
        return Trainer(build_gan(cfg, data.sample_shape), data, cfg.train).fit()

    quiet, loud = run(), run(progress=True)
    for a, b in zip(quiet.gan.generator.parameters(), loud.gan.generator.parameters()):
        assert torch.equal(a, b)


def test_describe_data_of_encoded_table_rows():
    from ganforge.data.tabular.sampler import ConditionalRows
    from ganforge.training.trainer import describe_data

    rows = ConditionalRows(torch.eye(4)[[0, 1, 2, 3, 0]], [(0, 4)])
    assert describe_data(rows, rows.batch(torch.arange(1))) == "5 encoded rows of 4 values"
