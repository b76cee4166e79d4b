"""The runtime: runs the order systems that designers publish.

One package per domain (engine, orders, stock, channels, shipping, payments,
customers, documents, notify, jobs, reports, exception_queue, prices, floor), each
owning its models and public functions; docs/architecture.md draws them. Directly
here live only what every domain shares: hooks, typed errors, the actor and audit
trail, remembered reads and retries, the metrics every process counts, and two old
job paths (job_runner.py, scheduled_timers.py) that keep jobs queued in Redis by an
older release running.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil


@functools.cache
def load_domains() -> None:
    """Import every module of the runtime, so that every table is in the metadata and
    every job kind has its handler, with no hand-kept list of modules to forget."""
    for module in pkgutil.walk_packages(__path__, f"{__name__}."):
        importlib.import_module(module.name)
