"""The timer job path of releases before the runtime's domain packages.

RQ's scheduler stores the dotted path of each scheduled job, so timers handed to
it by an older release name ``orderloom.runtime.scheduled_timers``; this name
keeps them firing after an upgrade. New ones name
``orderloom.runtime.jobs.scheduled_timers.fire_scheduled_timer``.
"""
from orderloom.runtime.jobs.scheduled_timers import fire_scheduled_timer

__all__ = ["fire_scheduled_timer"]
