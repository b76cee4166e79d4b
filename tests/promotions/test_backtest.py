"""The backtest: a draft rule run over the orders of a period answers how many it
hits, which gifts it gives and what it costs, and writes nothing."""
from __future__ import annotations

import datetime as dt

from orderloom.db import utcnow
from orderloom.runtime import business_calendar
from tests.platform.test_api_tokens import assert_problem
from tests.promotions.test_gifts_and_discounts import FAN_FOR_TEA, admin, available  # noqa: F401
from tests.runtime.support import SAMPLE, create

TODAY = business_calendar.instance_date(utcnow()).isoformat()


def test_a_draft_rule_shows_hits_gifts_and_cost_and_changes_nothing(client, admin):  # noqa: F811
    for _ in range(3):
        create(client, admin)  # tea and cups, 2560.70
    create(client, admin, {**SAMPLE, "items": [{"sku": "CUP-02", "qty": 1, "price": "20"}]})
    rule = {**FAN_FOR_TEA, "active": False, "gift_quantity": 2, "discount_amount": "10"}
    answer = client.post("/api/v1/promotions/backtest", headers=admin, json={
        "rule": rule, "from": TODAY, "to": TODAY})
    assert answer.status_code == 200, answer.get_json()
    result = answer.get_json()
    assert (result["orders"], result["hits"], len(result["orders_hit"])) == (4, 3, 3)
    assert result["gifts"] == [{"sku": "GIFT-FAN", "name": "Paper fan", "units": 6,
                                "unit_value": "12.00", "available_now": 1}]
    assert result["cost"] == [{"currency": "CNY", "discounts": "30.00", "gifts": "72.00",
                               "total": "102.00"}]
    # Nothing written: the rule is not stored and the fan is still on the shelf.
    assert client.get("/api/v1/promotions", headers=admin).get_json() == []
    assert available(client, admin, "GIFT-FAN") == 1


def test_a_period_before_the_orders_hits_none(client, admin):  # noqa: F811
    create(client, admin)
    day = (dt.date.fromisoformat(TODAY) - dt.timedelta(days=30)).isoformat()
    result = client.post("/api/v1/promotions/backtest", headers=admin, json={
        "rule": FAN_FOR_TEA, "from": day, "to": day}).get_json()
    assert (result["orders"], result["hits"], result["gifts"], result["cost"]) == \
        (0, 0, [], [])


def test_a_bad_draft_or_period_is_refused_at_its_pointer(client, admin):  # noqa: F811
    problem = assert_problem(client.post("/api/v1/promotions/backtest", headers=admin, json={
        "rule": {**FAN_FOR_TEA, "gift_sku": "NOPE"}, "from": TODAY, "to": TODAY}), 422)
    assert problem["errors"][0]["pointer"] == "/rule/gift_sku"
    problem = assert_problem(client.post("/api/v1/promotions/backtest", headers=admin, json={
        "rule": FAN_FOR_TEA, "from": TODAY, "to": "2020-01-01"}), 422)
    assert problem["errors"][0]["pointer"] == "/to"
    # The last day there is: the day after it is no day to count to.
    problem = assert_problem(client.post("/api/v1/promotions/backtest", headers=admin, json={
        "rule": FAN_FOR_TEA, "from": "9999-12-31", "to": "9999-12-31"}), 422)
    assert problem["errors"][0]["pointer"] == "/from"


def test_a_backtest_counts_only_the_orders_its_asker_may_see(client, db, admin,  # noqa: F811
                                                             make_user):
    """The backtest once counted every order of the period, those of channels its
    asker's row rule keeps from them included."""
    from sqlalchemy import update

    from orderloom.runtime.orders.models import Order
    from tests.security.test_data_permissions import headers_of

    assert client.post("/api/v1/roles", headers=admin, json={
        "name": "north_promotions", "permissions": ["promotions.manage", "orders.view"],
        "row_rule": "my_channels"}).status_code == 201
    manager = make_user("north_promotions", username="promo.north")
    assert client.patch(f"/api/v1/users/{manager.id}", headers=admin, json={
        "channels": ["manual"]}).status_code == 200
    seen = create(client, admin).get_json()["number"]
    unseen = create(client, admin).get_json()["number"]
    db.execute(update(Order).where(Order.number == unseen).values(channel="tmall"))
    db.commit()
    body = {"rule": FAN_FOR_TEA, "from": TODAY, "to": TODAY}
    everyone = client.post("/api/v1/promotions/backtest", headers=admin, json=body).get_json()
    assert (everyone["orders"], everyone["hits"]) == (2, 2)
    result = client.post("/api/v1/promotions/backtest", headers=headers_of(db, manager),
                         json=body).get_json()
    assert (result["orders"], result["hits"], result["orders_hit"]) == (1, 1, [seen])


def test_the_backtests_filters_in_sql_agree_with_the_live_rule(app, client, admin):  # noqa: F811
    """What a rule asks of an order's own columns (channel, threshold, date window) is
    asked in SQL before the rule is tried: each must pick the orders the rule, run live
    on them, would give to, no more and no fewer."""
    from sqlalchemy import select

    from orderloom.platform.api.price_lists import channel_keys
    from orderloom.runtime.orders.models import Order
    from orderloom.runtime.promotions import giving, matching, rules

    assert client.post("/api/v1/channels", headers=admin, json={
        "key": "shop", "name": "Shop", "kind": "manual", "order_type": "retail_order"}
                       ).status_code == 201
    create(client, admin)  # 2560.70, by hand
    create(client, admin, {**SAMPLE, "items": [{"sku": "CUP-02", "qty": 1, "price": "20"}]})
    create(client, admin, channel="shop")
    today = dt.date.fromisoformat(TODAY)
    yesterday, tomorrow = (today - dt.timedelta(days=1)).isoformat(), \
        (today + dt.timedelta(days=1)).isoformat()
    one_off = {"code": "one-off", "discount_amount": "1"}
    cases = ((("channels", ["shop"]), 1), (("min_amount", "2000"), 2),
             (("starts_on", TODAY), 3), (("starts_on", tomorrow), 0),
             (("ends_on", TODAY), 3), (("ends_on", yesterday), 0))
    for (member, value), expected in cases:
        rule = {**one_off, member: value}
        result = client.post("/api/v1/promotions/backtest", headers=admin, json={
            "rule": rule, "from": yesterday, "to": tomorrow}).get_json()
        with app.extensions["orderloom.db"].sessions() as session:
            terms = rules.checked(session, rule, channel_keys(session))
            live = sorted(order.number for order in session.scalars(select(Order))
                          if matching.outcome(terms, giving.facts_of(session, order))
                          is not None)
        assert (result["hits"], sorted(result["orders_hit"])) == (expected, live), rule
