"""The built-in templates bring the merging and splitting their kind of business uses:
a multichannel retailer merges a buyer's orders by rule, a wholesaler splits into
parcels a courier takes; neither overwrites what a workspace set already."""
from __future__ import annotations

from orderloom.platform import templates
from orderloom.runtime.audit import Actor
from orderloom.runtime.consolidation import settings


def test_retail_merges_a_buyers_orders_by_rule(db):
    templates.import_template(db, "test", "retail")
    db.commit()
    assert settings.current(db) == settings.DeskSettings(
        merge_window_hours=24, merge_by_rule=True)


def test_wholesale_splits_into_parcels_of_at_most_30_kg(db):
    templates.import_template(db, "test", "wholesale")
    db.commit()
    assert settings.current(db).parcel_weight_grams == 30000


def test_a_template_keeps_the_settings_a_workspace_has(db):
    settings.store(db, Actor(None, "admin"), settings.DeskSettings(merge_window_hours=6))
    templates.import_template(db, "test", "retail")
    templates.import_template(db, "test", "wholesale")
    db.commit()
    assert settings.current(db) == settings.DeskSettings(merge_window_hours=6)
