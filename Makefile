# `make demo` and `make test` set everything up themselves (Python 3.11 is all they need).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# TensorFlow build: `make install TF=gpu` for the CUDA build on a machine with an NVIDIA GPU.
TF ?= cpu
# The stages run `python`: the venv's, as if it were activated.
export PATH := $(CURDIR)/$(BIN):$(PATH)

# The demo: the whole pipeline offline on a small synthetic dataset with a short schedule
# (the real defaults in params.yaml stay 50 epochs on the Drive data).
DEMO_PARAMS := \
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

.PHONY: install demo test bench clean
.DELETE_ON_ERROR:

$(BIN)/dvc: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(TF),dev]"
	touch $(BIN)/dvc

install: $(BIN)/dvc

demo: install
	$(BIN)/dvc exp run $(DEMO_PARAMS)
	$(BIN)/dvc plots show --out dvc_plots
	@echo
	@echo "Report: plots/report.md, curves: plots/curves/, all plots: dvc_plots/index.html"

test: install
	$(BIN)/python -m pytest

# Training speed, the notebook way vs the train stage (src/gtzan/bench.py): on data/prepared if there
# is one, else on the full-size synthetic data rendered once into bench/.
bench: install
	$(BIN)/python -m gtzan.bench

clean:
	rm -rf dvc_plots .pytest_cache
