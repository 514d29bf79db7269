# `make demo` and `make test` set everything up themselves: all they need is Python 3.11, 3.12 or 3.13.
# The newest of python3.13, python3.12 and python3.11 that runs, unless PYTHON=... names one.
PYTHON ?= $(firstword $(foreach version,3.13 3.12 3.11,$(shell python$(version) -c '' 2>/dev/null && echo python$(version))))
VENV := .venv
BIN := $(VENV)/bin
# TensorFlow build: cpu (the CPU build on Linux, the plain wheel on macOS arm64) or gpu (`make install
# TF=gpu`: the CUDA build on Linux). EXTRAS adds pyproject's other extras, e.g. EXTRAS=s3.
TF ?= cpu
EXTRAS ?=
# The uv that installs the locked environment: the version uv.lock pins.
UV_VERSION := $(shell sed -n 's/.*"uv==\([^"]*\)".*/\1/p' pyproject.toml)
# The stages run `python`: the venv's, as if it were activated.
export PATH := $(CURDIR)/$(BIN):$(PATH)
export UV_PYTHON_DOWNLOADS := never

# The demo: the whole pipeline offline on a small synthetic dataset with a short schedule
# (the real defaults in params.yaml stay 50 epochs on the Drive data). The notebook's test in
# tests/test_pipeline.py empties DEMO_PARAMS in the environment, so that the notebook's `make demo`
# runs that test's own tiny configuration.
DEMO_PARAMS ?= \
	-S data.source=synthetic \
	-S data.synthetic.songs_per_genre=20 \
	-S models.parallel_cnn.epochs=15 \
	-S models.cnn_rnn.epochs=15 \
	-S models.wide_parallel_cnn.epochs=8 \
	-S models.resnet50.epochs=1 \
	-S models.lstm.epochs=8 \
	-S models.bilstm.epochs=8 \
	-S models.cnn_bilstm.epochs=8 \
	-S models.cnn_gru_aug.epochs=8 \
	-S models.cnn_gru.epochs=8

.PHONY: install lock demo test test-all bench levers gpu-check clean
.DELETE_ON_ERROR:

$(BIN)/uv:
	@test -n "$(PYTHON)" || { echo "make: no python3.13, python3.12 or python3.11 on PATH: install one of them, or name it with make PYTHON=/path/to/python3.12" >&2; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { echo "make: $(PYTHON) cannot create a virtual environment: install its venv module (Debian, Ubuntu: sudo apt install $(notdir $(PYTHON))-venv)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)

# Every package at the version uv.lock pins for this platform and Python, nothing else. Compiled to
# bytecode once here, so that each stage's Python imports TensorFlow in seconds even where it may not
# write bytecode itself (PYTHONDONTWRITEBYTECODE, as in many containers: 10 s per import without).
$(BIN)/dvc: pyproject.toml uv.lock | $(BIN)/uv
	$(BIN)/uv sync --locked --compile-bytecode --python $(BIN)/python --extra $(TF) --extra dev $(foreach extra,$(EXTRAS),--extra $(extra))
	touch $(BIN)/dvc

install: $(BIN)/dvc

# After editing pyproject.toml's dependencies: pin every package anew, for every platform of
# [tool.uv] environments and Python 3.11 to 3.13; commit uv.lock with pyproject.toml.
lock: | $(BIN)/uv
	$(BIN)/uv lock

demo: install
	$(BIN)/dvc exp run $(DEMO_PARAMS)
	$(BIN)/dvc plots show --out dvc_plots
	@echo
	@echo "Report: plots/report.html (and plots/report.md), curves: plots/curves/, all plots: dvc_plots/index.html"

# The suite but its whole workflow and tool runs (the `scenario` marker: the audio folder with musicnn, kill and resume,
# the queued sweep, sharing through a remote, a new architecture, the notebook, the suite after the demo, bench
# and gpu-check).
test: install
	$(BIN)/python -m pytest -m "not scenario"

# Everything, as CI runs it (.ci/run).
test-all: install
	$(BIN)/python -m pytest

# Training speed, the notebook way vs the train stage (src/gtzan/bench.py): on data/prepared if there
# is one, else on the full-size synthetic data rendered once into bench/.
bench: install
	$(BIN)/python -m gtzan.bench

# The levers against overfitting measured (src/gtzan/levers.py, docs/experiments.md): each alone and all
# three against none, three seeds each, on the full-size synthetic data rendered once into bench/.
levers: install
	$(BIN)/python -m gtzan.levers --models parallel_cnn --epochs 15 --out levers_parallel_cnn.md
	$(BIN)/python -m gtzan.levers --models cnn_gru --epochs 8 --out levers_cnn_gru.md

# The GPU path in one command (src/gtzan/gpu_check.py): the demo's training, twice, on whatever device
# TensorFlow sees; prints the device, the precision, seconds per epoch and whether both runs agree.
gpu-check: install
	$(BIN)/python -m gtzan.gpu_check

clean:
	rm -rf dvc_plots .pytest_cache
