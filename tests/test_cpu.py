"""What this CPU and oneDNN can do (gtzan.cpu): the precisions train.precision may pick or must refuse."""

import pytest

from gtzan.cpu import Cpu


def cpu(flags: set[str], onednn_max_isa: str = "") -> Cpu:
    return Cpu(model="CPU", cores=2, clock_ghz=2.0, flags=frozenset(flags), onednn_max_isa=onednn_max_isa)


def test_this_cpu_is_read_from_proc_cpuinfo_and_the_isa_cap_from_the_environment(monkeypatch):
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "avx2")
    this = Cpu.this()
    assert this.onednn_max_isa == "AVX2" and this.cores >= 1 and this.model
    assert not this.bfloat16, "capped at AVX2, oneDNN has no bfloat16 kernels, whatever the CPU"
    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA")
    assert Cpu.this().onednn_max_isa == ""


@pytest.mark.parametrize("flags, cap, bfloat16, float16", [
    ({"avx2", "fma"}, "", False, True),  # float16 in TensorFlow's own kernels
    ({"avx2", "fma"}, "AVX2", False, True),
    ({"avx512f", "avx512_bf16"}, "", True, True),
    ({"avx512f", "avx512_bf16"}, "AVX512_CORE_VNNI", False, True),
    ({"avx512f", "avx512_bf16", "avx512_fp16", "amx_bf16"}, "", True, True),  # Sapphire Rapids
    ({"avx512f", "avx512_bf16", "avx512_fp16", "amx_bf16"}, "AVX2", False, False),  # float16 handed to a capped oneDNN
    ({"avx512f", "avx512_bf16", "avx512_fp16", "amx_bf16"}, "AVX512_CORE_BF16", True, False),
    ({"avx512f", "avx512_bf16", "avx512_fp16", "amx_bf16"}, "AVX512_CORE_AMX", True, True),
])
def test_bfloat16_and_float16_follow_the_flags_and_the_cap(flags, cap, bfloat16, float16):
    assert (cpu(flags, cap).bfloat16, cpu(flags, cap).float16) == (bfloat16, float16)


def test_tensorflow_turns_onednn_on_only_on_cpus_with_neural_network_instructions():
    assert cpu({"avx512f", "avx512_vnni"}).tensorflow_enables_onednn
    assert not cpu({"avx512f", "avx512_vnni"}, "AVX2").tensorflow_enables_onednn, "an emulated AVX2 CPU has none"
    assert not cpu({"avx2", "fma"}).tensorflow_enables_onednn
