"""Music-genre classification on GTZAN log-mel spectrograms: the pipeline's logic."""

import os

# Quiets TensorFlow's C++ info and warning logs (TF 2.21 still prints two start-up lines).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
