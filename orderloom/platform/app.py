"""The Flask application factory."""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

from orderloom.platform import (
    auth,
    database,
    i18n,
    logs,
    problems,
    query_args,
    refusals,
    security_headers,
    url_ids,
)
from orderloom.platform.settings import Settings, load_settings
from orderloom.runtime import business_calendar, sealing
from orderloom.runtime.jobs.dispatch import Dispatcher, redis_connection
from orderloom.runtime.jobs.runner import JobRunner

JOBS = "orderloom.jobs"


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings()
    app = Flask("orderloom.platform", instance_path=str(settings.instance_path))
    app.config.update(
        ORDERLOOM_SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        # Sessions signed before a key rotation stay valid (docs/operations.md).
        SECRET_KEY_FALLBACKS=list(settings.secret_key_fallbacks),
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        SESSION_COOKIE_NAME="orderloom_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        # The cookie is sent only when the session changes. Re-sent with every answer,
        # it was the session as that request had it: the late answer to a request sent
        # before a language was chosen, or before logging out, undid the choice. So a
        # session lasts 12 hours from its last change (logging in, a language chosen).
        SESSION_REFRESH_EACH_REQUEST=False,
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    logging.getLogger("orderloom").setLevel(settings.log_level)
    # First, so that every other hook's log lines and refusals carry the request id.
    logs.init_app(app)
    sealing.accept_old_keys(settings.secret_key_fallbacks)

    db = database.init_app(app, settings.database_url)
    # Jobs a request commits are handed over right after its commit: to RQ when
    # Redis is configured, else run in this process (see runtime/jobs/dispatch.py).
    app.extensions[JOBS] = Dispatcher(
        db.sessions, JobRunner(db.sessions, smtp=settings.smtp,
                               secret_key=settings.secret_key,
                               public_url=settings.public_url),
        redis_connection(settings.redis_url) if settings.redis_url else None).install()
    url_ids.install(app)
    auth.init_app(app)
    i18n.init_app(app, settings.time_zone)
    business_calendar.use_time_zone(settings.time_zone)
    problems.register_error_handlers(app, refusals.FAMILIES)
    if settings.trusted_proxies:
        # request.remote_addr becomes the address the outermost trusted proxy saw,
        # counted from the right of X-Forwarded-For, so what a client writes into
        # the header itself is never taken. Only the address: scheme and host stay
        # the connection's.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies,
                                x_proto=0, x_host=0, x_port=0, x_prefix=0)
    security_headers.init_app(app)

    @app.before_request
    def _no_nul_in_the_address():
        query_args.refuse_nul(request.args)
        query_args.refuse_nul(request.view_args or {})

    from orderloom.platform.api import api
    from orderloom.platform.pages import pages
    from orderloom.platform.system import system

    app.register_blueprint(system)
    app.register_blueprint(api)
    app.register_blueprint(pages)
    return app
