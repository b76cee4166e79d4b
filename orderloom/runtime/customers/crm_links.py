"""Which CRM record a customer is: the CRM's id of the contact or company, kept on
the customer so that the next deal of the same contact finds the same customer even
when the contact's email or phone has changed in the CRM.

One CRM record is linked to one customer (the database refuses a second link); a
customer may be linked to several (a contact and their company, or two CRMs).
Functions take a session and never commit.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from orderloom.db import Base, UTCDateTime, utcnow
from orderloom.runtime import audit
from orderloom.runtime.audit import Actor
from orderloom.runtime.customers.records import Customer, survivor_of

CONTACT = "contact"
COMPANY = "company"


class CrmLink(Base):
    """A customer is this record of that CRM (``system``: ``hubspot``, or a channel's
    key for a CRM posting its own deals)."""

    __tablename__ = "customer_crm_links"
    __table_args__ = (UniqueConstraint("system", "record_kind", "record_id",
                                       name="uq_customer_crm_links_record"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"),
                                             index=True)
    system: Mapped[str] = mapped_column(String(40))
    record_kind: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def linked_customer(session: Session, system: str, record_kind: str,
                    record_id: str) -> Customer | None:
    """The customer the CRM record is linked to (the survivor, when it was merged)."""
    customer = session.scalar(select(Customer).join(CrmLink, CrmLink.customer_id == Customer.id)
                              .where(CrmLink.system == system,
                                     CrmLink.record_kind == record_kind,
                                     CrmLink.record_id == record_id))
    if customer is not None and customer.merged_into_id is not None:
        return survivor_of(session, customer)
    return customer


def link(session: Session, actor: Actor, customer_id: int, system: str, record_kind: str,
         record_id: str) -> CrmLink:
    """Link the customer to the CRM record, unless the record is linked already (to
    this customer or, kept as it is, to another)."""
    found = session.scalar(select(CrmLink).where(CrmLink.system == system,
                                                 CrmLink.record_kind == record_kind,
                                                 CrmLink.record_id == record_id))
    if found is not None:
        return found
    made = CrmLink(customer_id=customer_id, system=system, record_kind=record_kind,
                   record_id=record_id, created_at=utcnow())
    try:
        with session.begin_nested():
            session.add(made)
            session.flush()
    except IntegrityError:
        # Linked a moment earlier by another connection: the database allows one link.
        return session.scalar(select(CrmLink).where(CrmLink.system == system,
                                                    CrmLink.record_kind == record_kind,
                                                    CrmLink.record_id == record_id))
    customer = session.get(Customer, customer_id)
    audit.record(session, actor, "customer.crm_linked", "customer",
                 customer.code if customer else str(customer_id), system=system,
                 record_kind=record_kind, record_id=record_id)
    return made


def links_of(session: Session, customer_id: int) -> list[CrmLink]:
    return list(session.scalars(select(CrmLink).where(CrmLink.customer_id == customer_id)
                                .order_by(CrmLink.id)))
