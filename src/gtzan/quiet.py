"""Drops TensorFlow's harmless C++ start-up lines from this process's stderr: import it for the effect.

TensorFlow writes lines like these from C++ straight to file descriptor 2, where
TF_CPP_MIN_LOG_LEVEL does not reach them, at import and when it first runs a graph:

    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 00:00:1795... 1234 port.cc:153] oneDNN custom operations are on. ...
    E0000 00:00:1795... 1234 meta_optimizer.cc:967] remapper failed: ...

They look like errors and are not. Importing this module routes fd 2 through a pipe and drops
those lines (the absl notice, info-level lines, and the known optimizer messages); everything
else, Python tracebacks included, passes through unchanged. The stage scripts and `predict`
import it first; GTZAN_TF_LOGS=1 leaves stderr untouched, for debugging TensorFlow.
"""

import atexit
import os
import re
import sys
import threading

NOISE = re.compile(
    rb"^(WARNING: All log messages before absl::InitializeLog\(\)"
    rb"|I\d{4} [\d:.]+ +\d+ \S+:\d+\]"  # info-level C++ logs
    rb"|[EW]\d{4} [\d:.]+ +\d+ (meta_optimizer\.cc:\d+\] remapper failed|\S+:\d+\] NodeDef mentions attribute))"
)


def _filter_stderr() -> None:
    sys.stderr.flush()
    real_stderr = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)

    def pump() -> None:
        with os.fdopen(read_end, "rb") as source, os.fdopen(os.dup(real_stderr), "wb", buffering=0) as sink:
            for line in source:
                if NOISE.match(line):
                    continue
                try:
                    sink.write(line)
                except OSError:  # the real stderr is gone (a closed pipe): keep draining, or writers would block
                    pass

    thread = threading.Thread(target=pump, name="stderr-filter", daemon=True)
    thread.start()

    def drain() -> None:
        sys.stderr.flush()
        os.dup2(real_stderr, 2)  # closes the pipe's last write end: the pump reads to the end and stops
        thread.join(timeout=5)

    atexit.register(drain)


if os.environ.get("GTZAN_TF_LOGS") != "1":
    _filter_stderr()
