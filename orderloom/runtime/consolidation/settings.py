"""What staff set for merging and splitting on the admin page (or over the API): the
merge window, whether arriving orders are merged by rule, a parcel's weight and
unit limits for splitting by parcel, and whether arriving orders split their pre-sale
lines off. One row, read whole and changed whole."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from orderloom.db import utcnow
from orderloom.runtime import audit, remembered
from orderloom.runtime.audit import Actor
from orderloom.runtime.consolidation.models import ConsolidationSettings

ROW_ID = 1
LONGEST_WINDOW_HOURS = 24 * 30
HEAVIEST_PARCEL_GRAMS = 1_000_000
MOST_UNITS = 100_000


class SettingsError(ValueError):
    """A setting that cannot be stored, with the JSON Pointer of what is wrong."""

    def __init__(self, pointer: str, detail: str) -> None:
        super().__init__(detail)
        self.pointer = pointer
        self.detail = detail


@dataclass(frozen=True)
class DeskSettings:
    merge_window_hours: int = 24
    merge_by_rule: bool = False
    parcel_weight_grams: int | None = None
    parcel_units: int | None = None
    split_pre_sale: bool = False

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


# Read for every order created (merging by rule): a frozen value, shared safely.
CURRENT = remembered.Read("order desk settings", (ConsolidationSettings,))


def current(session: Session) -> DeskSettings:
    def load() -> DeskSettings:
        row = session.get(ConsolidationSettings, ROW_ID)
        if row is None:
            return DeskSettings()
        return DeskSettings(row.merge_window_hours, bool(row.merge_by_rule),
                            row.parcel_weight_grams, row.parcel_units,
                            bool(row.split_pre_sale))

    return remembered.read(session, CURRENT, None, load)


def is_set(session: Session) -> bool:
    return session.get(ConsolidationSettings, ROW_ID) is not None


def _whole(body: dict[str, Any], key: str, low: int, high: int, *, empty: bool) -> Any:
    value = body.get(key)
    if value is None and empty:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SettingsError(f"/{key}", f"must be a whole number from {low} to {high}"
                            + (", or null for no limit" if empty else ""))
    return value


def checked(body: dict[str, Any], before: DeskSettings) -> DeskSettings:
    """``before`` with what ``body`` changes; SettingsError at the first value that
    cannot be."""
    merged = {**before.as_json(), **body}
    if not isinstance(merged["merge_by_rule"], bool):
        raise SettingsError("/merge_by_rule", "must be true or false")
    if not isinstance(merged["split_pre_sale"], bool):
        raise SettingsError("/split_pre_sale", "must be true or false")
    return DeskSettings(
        _whole(merged, "merge_window_hours", 1, LONGEST_WINDOW_HOURS, empty=False),
        merged["merge_by_rule"],
        _whole(merged, "parcel_weight_grams", 1, HEAVIEST_PARCEL_GRAMS, empty=True),
        _whole(merged, "parcel_units", 1, MOST_UNITS, empty=True),
        merged["split_pre_sale"])


def store(session: Session, actor: Actor, new: DeskSettings) -> None:
    row = session.get(ConsolidationSettings, ROW_ID)
    if row is None:
        row = ConsolidationSettings(id=ROW_ID)
        session.add(row)
    row.merge_window_hours = new.merge_window_hours
    row.merge_by_rule = new.merge_by_rule
    row.parcel_weight_grams = new.parcel_weight_grams
    row.parcel_units = new.parcel_units
    row.split_pre_sale = new.split_pre_sale
    row.updated_by = actor.name
    row.updated_at = utcnow()
    audit.record(session, actor, "consolidation_settings.changed", "consolidation_settings",
                 ROW_ID, **new.as_json())
