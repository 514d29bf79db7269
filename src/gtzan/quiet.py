"""Drops TensorFlow's harmless C++ start-up lines from this process's stderr: import it for the effect.

TensorFlow writes lines like these from C++ straight to file descriptor 2, where
TF_CPP_MIN_LOG_LEVEL does not reach them, at import and when it first runs a graph:

    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 00:00:1795... 1234 port.cc:153] oneDNN custom operations are on. ...
    E0000 00:00:1795... 1234 meta_optimizer.cc:967] remapper failed: ...

They look like errors and are not. Importing this module routes fd 2 through a pipe to a small
filter process that drops those lines (the absl notice, info-level lines, and the known optimizer
messages); everything else, Python tracebacks included, passes through unchanged. The filter is a
process of its own, not a thread, so that what this process wrote before dying, even in an abort()
after a failed C++ check, still reaches the terminal. The stage scripts and `predict` import it
first; GTZAN_TF_LOGS=1 leaves stderr untouched, for debugging TensorFlow.
"""

import atexit
import os
import subprocess
import sys

NOISE = (
    r"^(WARNING: All log messages before absl::InitializeLog\(\)"
    r"|I\d{4} [\d:.]+ +\d+ \S+:\d+\]"  # info-level C++ logs
    r"|[EW]\d{4} [\d:.]+ +\d+ (meta_optimizer\.cc:\d+\] remapper failed|\S+:\d+\] NodeDef mentions attribute))"
)

# Ctrl-C and kill reach the whole process group: the filter ignores them and drains the pipe to its end,
# which comes when the last writer has exited.
FILTER = """
import re, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
noise = re.compile(sys.argv[1].encode())
for line in sys.stdin.buffer:
    if not noise.match(line):
        try:
            sys.stdout.buffer.write(line)
            sys.stdout.buffer.flush()
        except OSError:  # the real stderr is gone (a closed pipe): keep draining, or writers would block
            pass
"""


def _filter_stderr() -> None:
    sys.stderr.flush()
    real_stderr = os.dup(2)
    read_end, write_end = os.pipe()
    filter_process = subprocess.Popen([sys.executable, "-I", "-S", "-c", FILTER, NOISE],
                                      stdin=read_end, stdout=real_stderr, stderr=real_stderr)
    os.close(read_end)
    os.dup2(write_end, 2)
    os.close(write_end)

    def drain() -> None:
        sys.stderr.flush()
        os.dup2(real_stderr, 2)  # closes this process's write end: the filter reads to the end and exits
        try:
            filter_process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # a child of ours still holds the pipe open
            pass

    atexit.register(drain)


if os.environ.get("GTZAN_TF_LOGS") != "1":
    _filter_stderr()
