"""Waves, the orders and lines in them, and the wave's log of scans.

A wave is a batch of orders of one warehouse picked in one walk. Its lines are
what each order holds in that warehouse when the wave is planned (its held
reservations), so the pick list is fixed for the walk; ``picked`` and ``packed``
count what scanning verified, line by line, and nothing else moves stock.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orderloom.db import Base, JSONDocument, UTCDateTime, utcnow

# A wave is open until each of its orders is packed, short or gone; then done.
OPEN, DONE = "open", "done"
# An order in a wave: being picked, picked in full, short (held for staff), packed, or
# gone: it left the open category meanwhile (cancelled, shipped by hand), so the
# wave picks and packs it no more.
TO_PICK, PICKED, SHORT, PACKED, GONE = "to_pick", "picked", "short", "packed", "gone"
UNFINISHED = (TO_PICK, PICKED)
# Orders that have left the wave's walk.
LEFT_WALK = (SHORT, GONE)


class Wave(Base):
    __tablename__ = "waves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    warehouse: Mapped[str] = mapped_column(String(50), index=True)
    status: Mapped[str] = mapped_column(String(12), default=OPEN)
    # How it was planned: {"by": "hand"} or {"by": "rules", ...the rules}.
    planned_by: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    # The bin the picker has scanned and stands at, so the next item scan is checked
    # against it; None before the first bin and after each stop is done.
    at_bin: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WaveOrder(Base):
    __tablename__ = "wave_orders"
    __table_args__ = (UniqueConstraint("wave_id", "order_id",
                                       name="uq_wave_orders_wave_order"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"),
                                         index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    # Orders are sorted to in this order: picked units go to the first that lacks them.
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default=TO_PICK)
    # The parcel's last weighing at the packing bench, and whether it was within the
    # warehouse's tolerance; None until weighed. Out of tolerance, it does not close.
    weighed_grams: Mapped[int | None] = mapped_column(Integer)
    weight_ok: Mapped[bool | None] = mapped_column()


class WaveLine(Base):
    """One SKU of one order in a wave: how many to pick, and how many scanning has
    verified at the shelf and at the packing bench. The order's reservations may
    change after planning (an edit, a release): the last scan at the bench compares
    them with these lines before the order ships."""

    __tablename__ = "wave_lines"
    __table_args__ = (Index("ix_wave_lines_wave_sku", "wave_id", "sku"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(64))
    bin: Mapped[str] = mapped_column(String(64), default="")
    zone: Mapped[str] = mapped_column(String(64), default="")
    # The zone's place in the warehouse's zone order when the wave was planned: the
    # walk of a wave under way stays the same when the zone order changes.
    zone_place: Mapped[int] = mapped_column(Integer, default=0)
    quantity: Mapped[int] = mapped_column(Integer)
    picked: Mapped[int] = mapped_column(Integer, default=0)
    packed: Mapped[int] = mapped_column(Integer, default=0)


class WaveScan(Base):
    """The wave's log: every scan, accepted or refused, and every short pick."""

    __tablename__ = "wave_scans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"),
                                         index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    step: Mapped[str] = mapped_column(String(8))  # pick, pack, weigh, label or print
    code: Mapped[str] = mapped_column(String(100))
    accepted: Mapped[bool] = mapped_column(default=False)
    # What the scan did or why it was refused, in English words (the API's).
    outcome: Mapped[str] = mapped_column(String(300))
    # The same as a key and its values, so each reader's page words it in their
    # language: a key of scanning.REFUSALS, or what an accepted scan did.
    refusal: Mapped[str | None] = mapped_column(String(30))
    done: Mapped[str | None] = mapped_column(String(30))
    values: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    actor_name: Mapped[str] = mapped_column(String(150))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FloorSetup(Base):
    """What an administrator sets for a warehouse's floor: weighing at the packing bench
    and waves planned on a schedule. One row per warehouse; none: no weighing, no
    schedule."""

    __tablename__ = "floor_setups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    warehouse: Mapped[str] = mapped_column(String(50), unique=True)
    # A parcel weighs its items' catalogue weights plus ``packaging_grams``, within
    # ``tolerance_grams`` either way; None: parcels are not weighed here.
    tolerance_grams: Mapped[int | None] = mapped_column(Integer)
    packaging_grams: Mapped[int] = mapped_column(Integer, default=0)
    # Whether parcels are weighed: set with the tolerance, and read only as that. (Once
    # weighing could be the packer's choice, but a parcel closed on its last unit, so
    # only an unfinished one could be weighed: with a tolerance, every parcel is.)
    weigh_every_parcel: Mapped[bool] = mapped_column(default=False)
    # Times of day ("09:00", instance time zone) at which waves are planned by
    # ``wave_rules`` (planning.Rules), and the cut-off after which an order waits for
    # the next day's first wave.
    wave_times: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    cut_off: Mapped[str | None] = mapped_column(String(5))
    wave_rules: Mapped[dict] = mapped_column(JSONDocument, default=dict)
    # The latest scheduled time already planned, so each time plans once, also with
    # two sweepers.
    planned_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(150), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
