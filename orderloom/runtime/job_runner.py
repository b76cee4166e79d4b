"""The job path of releases before the runtime's domain packages.

RQ stores the dotted path of the function it calls with each queued job, so jobs
queued by an older release name ``orderloom.runtime.job_runner.perform``. This
name keeps them running after an upgrade; new jobs name the real home,
``orderloom.runtime.jobs.runner.perform``.
"""
from orderloom.runtime.jobs.runner import perform

__all__ = ["perform"]
