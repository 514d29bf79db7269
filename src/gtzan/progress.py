"""Progress lines for long loops: about ten per loop, each with a count, a share and the time so far."""

import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

Item = TypeVar("Item")


def with_progress(items: Iterable[Item], *, total: int, verb: str, unit: str) -> Iterator[Item]:
    """Yield the items; after each tenth of `total` has been handled, print e.g.
    "  rendered 16/160 songs (10%), 3.1 s"."""
    report_every = max(1, total // 10)
    started = time.perf_counter()
    for done, item in enumerate(items, start=1):
        yield item
        if done % report_every == 0 or done == total:
            elapsed = time.perf_counter() - started
            print(f"  {verb} {done}/{total} {unit} ({100 * done // max(total, 1)}%), {elapsed:.1f} s", flush=True)
