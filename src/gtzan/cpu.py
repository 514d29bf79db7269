"""What this CPU can do, and what oneDNN may use of it: the one reader of /proc/cpuinfo and ONEDNN_MAX_CPU_ISA.

TensorFlow runs CPU kernels through oneDNN (gtzan/__init__.py turns it on everywhere). ONEDNN_MAX_CPU_ISA caps
the instruction sets oneDNN uses (ONEDNN_MAX_CPU_ISA=AVX2 makes an AVX-512 CPU run an AVX2 CPU's kernels), but
TensorFlow still decides from the CPU's own flags which types to hand to oneDNN: a capped oneDNN then meets a
bfloat16 or float16 convolution it has no kernel for ("could not create a primitive descriptor").
"""

import os
import platform
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")

# ONEDNN_MAX_CPU_ISA values that stop oneDNN short of bfloat16 instructions (an AVX2 machine's kernels), and of
# float16 ones (AVX512_CORE_FP16 and AVX512_CORE_AMX and above have them)
ISAS_WITHOUT_BFLOAT16 = {"SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX2_VNNI_2", "AVX512_CORE", "AVX512_CORE_VNNI"}
ISAS_WITHOUT_FLOAT16 = ISAS_WITHOUT_BFLOAT16 | {"AVX512_CORE_BF16"}
BFLOAT16_FLAGS = {"avx512_bf16", "amx_bf16"}
# the flags with which TensorFlow hands float16 kernels to oneDNN rather than running its own
FLOAT16_FLAGS = {"avx512_fp16", "amx_fp16", "avx_ne_convert"}
# the flags with which TensorFlow alone turns oneDNN on (gtzan.bench's notebook way)
NEURAL_NETWORK_FLAGS = {"avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile", "amx_int8", "amx_bf16"}
# ONEDNN_MAX_CPU_ISA values of an older CPU, without any of NEURAL_NETWORK_FLAGS
ISAS_WITHOUT_NEURAL_NETWORK_FLAGS = {"SSE41", "AVX", "AVX2", "AVX512_CORE"}


@dataclass(frozen=True)
class Cpu:
    model: str
    cores: int
    clock_ghz: float | None  # None where /proc/cpuinfo does not say
    flags: frozenset[str]  # /proc/cpuinfo's; empty where there is none (macOS)
    onednn_max_isa: str = ""  # ONEDNN_MAX_CPU_ISA, upper case; "" when not set

    @classmethod
    def this(cls) -> "Cpu":
        text = CPUINFO.read_text() if CPUINFO.exists() else ""
        model = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
        clock = re.search(r"^cpu MHz\s*:\s*([\d.]+)$", text, re.M)
        flags = re.search(r"^flags\s*:\s*(.+)$", text, re.M)
        return cls(model=model.group(1) if model else platform.processor() or platform.machine(),
                   cores=os.cpu_count() or 1, clock_ghz=float(clock.group(1)) / 1000 if clock else None,
                   flags=frozenset(flags.group(1).split() if flags else ()),
                   onednn_max_isa=os.environ.get("ONEDNN_MAX_CPU_ISA", "").upper())

    @property
    def bfloat16(self) -> bool:
        """Whether oneDNN may run bfloat16 natively here (AVX512-BF16 or AMX, not capped below them)."""
        return bool(BFLOAT16_FLAGS & self.flags) and self.onednn_max_isa not in ISAS_WITHOUT_BFLOAT16

    @property
    def float16(self) -> bool:
        """Whether float16 kernels run here: TensorFlow's own where the CPU lacks FLOAT16_FLAGS, else oneDNN's,
        which a cap below its float16 instructions leaves without a kernel."""
        return not FLOAT16_FLAGS & self.flags or self.onednn_max_isa not in ISAS_WITHOUT_FLOAT16

    @property
    def tensorflow_enables_onednn(self) -> bool:
        """Whether TensorFlow alone (TF_ENABLE_ONEDNN_OPTS unset) would run oneDNN's kernels here; an older CPU
        emulated with ONEDNN_MAX_CPU_ISA counts as that older CPU."""
        return bool(NEURAL_NETWORK_FLAGS & self.flags) and self.onednn_max_isa not in ISAS_WITHOUT_NEURAL_NETWORK_FLAGS

    def describe(self) -> tuple[str, float | None]:
        """The CPU in one line, with the instruction set oneDNN runs, and its nominal float32 peak in GFLOP/s
        (cores x clock x FLOP per cycle of the widest FMA oneDNN uses: 32 with AVX2, 64 with AVX-512), or None
        where the clock is unknown."""
        isa = onednn_isa()
        shown = [flag for flag in ("avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16") if flag in self.flags]
        where = f"oneDNN ISA: {isa}" + (f" (ONEDNN_MAX_CPU_ISA={self.onednn_max_isa})" if self.onednn_max_isa else "")
        if not self.flags:
            return f"{self.model}, {self.cores} cores; {where}", None
        per_cycle = 64 if "AVX-512" in isa else 32 if "AVX2" in isa else 8
        peak = self.cores * self.clock_ghz * per_cycle if self.clock_ghz else None
        description = (f"{self.model}, {self.cores} cores" + (f" at {self.clock_ghz:.2f} GHz" if self.clock_ghz else "")
                       + f"; flags: {' '.join(shown) or 'none of avx2, fma, avx512f'}; {where}")
        return description, peak


def onednn_isa() -> str:
    """The instruction set oneDNN runs TensorFlow's kernels with, as ONEDNN_VERBOSE reports it for one convolution."""
    probe = "import tensorflow as tf; tf.nn.conv2d(tf.ones([1, 4, 4, 1]), tf.ones([3, 3, 1, 2]), 1, 'SAME')"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env={**os.environ, "ONEDNN_VERBOSE": "1"})
    found = re.search(r"onednn_verbose,.*info,cpu,isa:(.+)", done.stdout + done.stderr)
    return found.group(1).strip() if found else "unknown (oneDNN reported none)"
