"""Jobs queued in Redis by a release before the runtime's domain packages name the
functions by their old dotted paths; they still run after an upgrade."""
from __future__ import annotations

from rq.utils import import_attribute

from orderloom.runtime.jobs import dispatch, runner, scheduled_timers


def test_jobs_queued_before_the_move_find_their_function():
    # RQ resolves a job's function from the dotted path stored with it, as here.
    assert import_attribute("orderloom.runtime.job_runner.perform") is runner.perform
    # Queued one by one, before jobs were handed over in batches.
    assert import_attribute("orderloom.runtime.jobs.runner.perform") is runner.perform
    assert (import_attribute("orderloom.runtime.scheduled_timers.fire_scheduled_timer")
            is scheduled_timers.fire_scheduled_timer)


def test_new_jobs_name_the_functions_where_they_live():
    assert import_attribute(dispatch.PERFORM_MANY) is runner.perform_many
    assert import_attribute(scheduled_timers.FIRE) is scheduled_timers.fire_scheduled_timer
