"""Names of the RQ queues Orderloom's jobs run on, highest priority first."""
from __future__ import annotations

QUEUE_NAMES = ("orderloom-high", "orderloom-default", "orderloom-low")

# The queue timers' jobs are scheduled on (a timer is due now: it goes before the
# routine jobs), and so the only one RQ's scheduler has to watch.
TIMER_QUEUE = QUEUE_NAMES[0]
