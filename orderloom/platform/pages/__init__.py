"""Server-rendered pages for people."""
from __future__ import annotations

from flask import Blueprint

pages = Blueprint("pages", __name__)

from orderloom.platform.pages import account, admin, approvals, home, orders  # noqa: E402, F401
