"""WSGI entry point for gunicorn and other servers: ``orderloom.platform.wsgi:app``.

Made by the start-up every process shares (``startup.serving_app``): a bad setting or a
database schema older than the code stops the server with one line and exit status 2
(run gunicorn with ``--preload`` so that the check happens once, before any worker).
"""
from __future__ import annotations

from orderloom.platform.startup import serving_app

app = serving_app()
