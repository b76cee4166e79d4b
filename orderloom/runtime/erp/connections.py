"""Finding a connection's client, and which connections carry an order."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from orderloom.runtime import remembered, sealing
from orderloom.runtime.erp.erpnext import ErpNextClient
from orderloom.runtime.erp.models import ODOO, ErpConnection
from orderloom.runtime.erp.odoo import OdooClient

Client = OdooClient | ErpNextClient


def client_for(connection: ErpConnection, instance_key: str) -> Client:
    secret = sealing.unseal_json(instance_key, connection.credentials)
    if connection.kind == ODOO:
        return OdooClient(connection.base_url, connection.database or "",
                          connection.login or "", secret.get("api_key", ""))
    return ErpNextClient(connection.base_url, secret.get("api_key", ""),
                         secret.get("api_secret", ""))


# Asked on every order created and every state change: most instances connect no ERP.
ANY_ACTIVE = remembered.Read("an active ERP connection", (ErpConnection,))


def active(session: Session) -> list[ErpConnection]:
    if not remembered.anything(session, ANY_ACTIVE,
                               select(ErpConnection.id).where(ErpConnection.active.is_(True))):
        return []
    return list(session.scalars(select(ErpConnection).where(ErpConnection.active.is_(True))
                                .order_by(ErpConnection.id)))


def carries(connection: ErpConnection, order: Any) -> bool:
    return not connection.order_types or order.order_type.key in connection.order_types
