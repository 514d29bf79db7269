"""Music-genre classification on GTZAN log-mel spectrograms: the pipeline's logic.

Importing it (as every stage, predict and the benchmark do before TensorFlow) sets two defaults of
TensorFlow's, unless the environment sets them already.
"""

import os

# Quiets TensorFlow's C++ info and warning logs (TF 2.21 still prints two start-up lines).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# oneDNN's CPU kernels. TensorFlow turns them on by default on Linux only for CPUs with AVX512-VNNI,
# AVX512-BF16, AVX-VNNI or AMX; on other CPUs (AVX2-only ones) its Eigen kernels train these models
# several times slower (docs/performance.md). TF_ENABLE_ONEDNN_OPTS=0 restores TensorFlow's choice.
ONEDNN_SET_BY_USER = "TF_ENABLE_ONEDNN_OPTS" in os.environ  # the benchmark's notebook way keeps TensorFlow's choice
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
