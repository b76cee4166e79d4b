"""Background jobs: the outbox (models, outbox), handing jobs to RQ or this process
(dispatch), running one (runner), the sweeper, the worker loop, RQ's scheduler
process and the timers handed to it."""
