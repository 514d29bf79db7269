"""Music-genre classification on GTZAN log-mel spectrograms: the pipeline's logic."""

import os

# TensorFlow's C++ start-up chatter buries the stages' own progress output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
