"""WSGI entry point for gunicorn and other servers: ``orderloom.platform.wsgi:app``."""
from __future__ import annotations

from orderloom.platform.app import create_app

app = create_app()
