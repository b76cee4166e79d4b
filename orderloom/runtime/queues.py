"""Names of the RQ queues Orderloom's jobs run on, highest priority first."""
from __future__ import annotations

QUEUE_NAMES = ("orderloom-high", "orderloom-default", "orderloom-low")
