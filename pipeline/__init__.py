"""papertrends: ML-paper digests to deduplicated papers and topic trends."""

import atexit
import gc

__version__ = "0.1.0"


def _no_final_collection() -> None:
    """Spare the interpreter's last garbage collection at exit.

    A refresh process ends holding dagster's definitions, dbt's parsed project and
    their caches: the collection CPython runs after the atexit handlers walks all of
    them, 1.7-1.9 s after every ``dagster job execute`` / run worker / ``make run``
    (BENCHMARKS.md, exit cost) to free memory the OS takes back anyway. ``gc.freeze``
    moves every tracked object out of its reach. Nothing is skipped but that walk: the
    other atexit handlers still run (logging's flush included), files and connections
    are closed by their ``with`` blocks, and objects freed by their reference count
    are freed as before.
    """
    gc.freeze()


atexit.register(_no_final_collection)
