"""The ERP pages for administrators: the connections, and one connection's settings,
mapping, attempt log and reconciliations (templates/erp/, static/erp.js); and the
order page's list of what was sent of the order to each ERP
(orders/_erp_attempts.html)."""
from __future__ import annotations

import json
from typing import Any

from flask import abort, render_template
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from orderloom.designer.state_categories import CATEGORIES
from orderloom.platform.api.erp import PERMISSION, connection_json
from orderloom.platform.auth import requires
from orderloom.platform.database import db_session
from orderloom.platform.pages import pages
from orderloom.platform.pages.order_view import when
from orderloom.runtime.erp import reconciliation, sending
from orderloom.runtime.erp.documents import default_mappings
from orderloom.runtime.erp.models import (
    FAILED,
    KINDS,
    ORDER,
    PAYMENT,
    PENDING,
    REFUND,
    REFUSED,
    SENT,
    STOCK,
    WHEN_PAID,
    ErpConnection,
)

OUTCOME_WORDS = {SENT: lazy_gettext("sent"), REFUSED: lazy_gettext("refused by the ERP"),
                 FAILED: lazy_gettext("failed, will retry"),
                 PENDING: lazy_gettext("waiting")}
SUBJECT_WORDS = {ORDER: lazy_gettext("order"), PAYMENT: lazy_gettext("payment"),
                 REFUND: lazy_gettext("refund"), STOCK: lazy_gettext("stock")}
# The choices of "send an order when": each state category by what it means, then the
# payment status. A category added later shows under its own name until it has words.
SEND_AT_WORDS = {
    "open": lazy_gettext("its state means open (as soon as it is entered)"),
    "shipped": lazy_gettext("its state means shipped"),
    "fulfilled": lazy_gettext("its state means fulfilled"),
    "cancelled": lazy_gettext("its state means cancelled"),
    "returned": lazy_gettext("its state means returned"),
    WHEN_PAID: lazy_gettext("it is paid (its payment status becomes paid)"),
}

# What a reconciliation found differing (runtime/erp/reconciliation.py keeps these
# words in English, as the API answers them); "quantity of <SKU>" is read apart.
DIFFERENCE_WORDS = {"missing in the ERP": lazy_gettext("missing in the ERP"),
                    "only in the ERP": lazy_gettext("only in the ERP"),
                    "total": lazy_gettext("total"), "lines": lazy_gettext("lines"),
                    "on hand": lazy_gettext("on hand")}
QUANTITY_OF = "quantity of "


def difference_words(difference: dict[str, Any]) -> str:
    what = str(difference.get("what", ""))
    if what.startswith(QUANTITY_OF):
        what = gettext("quantity of %(sku)s", sku=what[len(QUANTITY_OF):])
    else:
        what = str(DIFFERENCE_WORDS.get(what, what))
    subject = difference.get("subject", "")

    def shown(value: Any) -> str:
        return "—" if value is None else str(value)
    return gettext("%(subject)s %(reference)s: %(what)s: Orderloom %(ours)s, ERP %(theirs)s",
                   subject=SUBJECT_WORDS.get(subject, subject),
                   reference=difference.get("reference", ""), what=what,
                   ours=shown(difference.get("orderloom")), theirs=shown(difference.get("erp")))


def send_at_choices() -> list[tuple[str, str]]:
    return [(value, str(SEND_AT_WORDS.get(value, value)))
            for value in (*CATEGORIES, WHEN_PAID)]


def _attempt(sync: Any, attempt: Any) -> dict[str, Any]:
    return {"id": attempt.id, "sync": sync.id, "subject": sync.subject,
            "subject_words": SUBJECT_WORDS.get(sync.subject, sync.subject),
            "reference": sync.reference, "status": sync.status, "erp_id": sync.erp_id,
            "number": attempt.number, "outcome": attempt.outcome,
            "outcome_words": OUTCOME_WORDS.get(attempt.outcome, attempt.outcome),
            "detail": attempt.detail, "at": when(attempt.at)}


@pages.app_template_global()
def erp_attempts(order_id: int) -> list[dict[str, Any]]:
    """Every call made to an ERP for the order, its payments, newest first."""
    return [_attempt(s, a) for s, a in sending.attempts_of(db_session(), order_id=order_id)]


@pages.get("/admin/erp")
@requires(PERMISSION)
def erp_page():
    connections = db_session().scalars(select(ErpConnection).order_by(ErpConnection.id))
    return render_template("erp/index.html", connections=list(connections), kinds=KINDS,
                           send_at=send_at_choices(),
                           defaults={k: json.dumps(default_mappings(k), indent=2,
                                                   ensure_ascii=False) for k in KINDS})


@pages.get("/admin/erp/<int:connection_id>")
@requires(PERMISSION)
def erp_connection_page(connection_id: int):
    session = db_session()
    connection = session.get(ErpConnection, connection_id)
    if connection is None:
        abort(404)
    return render_template(
        "erp/connection.html", connection=connection,
        settings=connection_json(connection), send_at=send_at_choices(),
        mappings=json.dumps(connection.mappings, indent=2, ensure_ascii=False),
        attempts=[_attempt(s, a) for s, a in
                  sending.attempts_of(session, connection_id=connection.id)],
        reconciliations=reconciliation.latest(session, connection.id), when=when,
        difference_words=difference_words)
