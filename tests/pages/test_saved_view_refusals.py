"""A view the list page cannot save is refused with a message, the same refusals the
API gives: an order type that does not exist, sharing without views.share."""
from __future__ import annotations

from sqlalchemy import func, select

from orderloom.runtime.orders.saved_views import SavedView
from tests.pages.conftest import errors


def test_a_view_of_an_unknown_order_type_is_not_saved(console, actions, db):
    console.order()
    actions.login_as("staff")
    refused = console.post("/orders/views", {"name": "Gone", "query":
                                             "order_type=nope&columns=number"},
                           page="/orders")
    assert "The view was not saved: Order type: there is no order type 'nope'." in errors(
        console.page(refused.location))
    assert db.scalar(select(func.count()).select_from(SavedView)) == 0


def test_sharing_a_view_needs_views_share(console, actions, db):
    actions.login_as("staff")
    refused = console.post("/orders/views", {"name": "All", "shared": "1",
                                             "query": "columns=number"}, page="/orders")
    assert "The view was not saved: sharing views with everyone needs the views.share " \
           "permission." in errors(console.page(refused.location))
    assert db.scalar(select(func.count()).select_from(SavedView)) == 0
