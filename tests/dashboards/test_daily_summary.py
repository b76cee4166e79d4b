"""The daily summary gives the dashboards the same figures as counting the orders.

Orders are generated at random (any seed), then moved, edited, cancelled and deleted
through the ORM and through plain UPDATE statements; after every round each summary
chart is compared with the same chart counted from the orders. Counting from the
orders is forced with a data permission the summary cannot say (``Order.id IS NOT
NULL``): it lets every order through, so the figures must agree.
"""
from __future__ import annotations

import random
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import and_, delete, func, select, true, update

from orderloom.runtime.jobs.sweeper import start_sweeper
from orderloom.runtime.orders.models import Order
from orderloom.runtime.orders.search import OrderFilter, order_query
from orderloom.runtime.reports import daily_totals, dashboards
from orderloom.runtime.reports.dashboards import DashboardFilter
from orderloom.runtime.reports.models import DailyOrderTotal
from tests.dashboards.conftest import at

CHANNELS = ("web", "manual", "tmall", "store")
START = at("2025-12-20T00:00:00")


def _states(plant) -> list[str]:
    return [s["key"] for s in plant.version.definition["workflow"]["states"]]


def _grow(plant, rng: random.Random, count: int) -> None:
    states = _states(plant)
    for _ in range(count):
        # Minutes, not days: orders fall on both sides of midnight.
        created = START + timedelta(minutes=rng.randrange(60 * 24 * 400))
        amount = Decimal(rng.randrange(1, 100000)) / 100
        order = plant.order(created.isoformat()[:19], rng.choice(states),
                            rng.choice(CHANNELS), f"C{rng.randrange(20)}",
                            [("A", 1, str(amount))],
                            currency=rng.choice(("CNY", "CNY", "CNY", "USD")))
        if rng.random() < 0.1:
            order.total = None
        if rng.random() < 0.05:
            order.currency = None
    plant.db.flush()


def _change(plant, rng: random.Random) -> None:
    """A round of what happens to orders: moves, edited totals, a new channel, orders
    cancelled by a plain statement, orders deleted."""
    db, states = plant.db, _states(plant)
    orders = list(db.scalars(select(Order).order_by(Order.id)))
    for order in rng.sample(orders, len(orders) // 3):
        order.state = rng.choice(states)
    for order in rng.sample(orders, len(orders) // 5):
        order.total = Decimal(rng.randrange(0, 500000)) / 100
    for order in rng.sample(orders, len(orders) // 20):
        order.channel = rng.choice(CHANNELS)
    db.flush()
    ids = [o.id for o in rng.sample(orders, len(orders) // 10)]
    db.execute(update(Order).where(Order.id.in_(ids)).values(state=rng.choice(states)))
    db.execute(delete(Order).where(Order.id.in_([o.id for o in rng.sample(orders, 2)])))
    db.expire_all()


def _live(spec: DashboardFilter) -> DashboardFilter:
    return DashboardFilter(**{**spec.__dict__,
                              "visible": and_(spec.visible, Order.id.is_not(None))})


def _figures(db, spec: DashboardFilter) -> dict:
    sla = dashboards.shipped_within_sla(db, spec)
    return {"day": dashboards.sales_over_time(db, spec, "day"),
            "week": dashboards.sales_over_time(db, spec, "week"),
            "month": dashboards.sales_over_time(db, spec, "month"),
            "states": dashboards.orders_by_state(db, spec),
            "channels": dashboards.orders_by_channel(db, spec),
            "headline": dashboards.headline(db, spec, sla)}


def _filters(plant, version_id: int) -> list[DashboardFilter]:
    return [
        DashboardFilter(),
        DashboardFilter(created_from=at("2026-01-01T00:00:00"),
                        created_to=at("2027-01-01T00:00:00")),
        DashboardFilter(created_from=at("2026-03-15T00:00:00"), channel="web"),
        DashboardFilter(created_to=at("2026-06-01T00:00:00"), currency="USD",
                        order_type_id=plant.order_type.id),
        DashboardFilter(total_unseen={version_id}),
        DashboardFilter(visible=Order.channel.in_(["web", "store"])),
    ]


def _list_counts(db, spec: OrderFilter, visible) -> dict[str, int]:
    query = (order_query(spec, visible=visible).order_by(None)
             .with_only_columns(Order.state, func.count()).group_by(Order.state))
    return dict(db.execute(query).all())


def _assert_same(plant) -> None:
    db = plant.db
    for spec, visible in [
            (OrderFilter(), true()),
            (OrderFilter(channel="web", order_type_id=plant.order_type.id), true()),
            (OrderFilter(created_from=at("2026-02-01T00:00:00"),
                         created_to=at("2026-08-01T00:00:00")),
             Order.channel.in_(["store", "tmall"]))]:
        summed = daily_totals.state_counts(db, spec, visible)
        assert summed is not None and summed == _list_counts(db, spec, visible)
    for spec in _filters(plant, plant.version.id):
        assert daily_totals.conditions(db, spec) is not None  # the summary answers it
        assert daily_totals.conditions(db, _live(spec)) is None
        assert _figures(db, spec) == _figures(db, _live(spec)), spec


@pytest.mark.parametrize("seed", [7, 2026])
def test_summary_figures_equal_counting_the_orders_through_changes(plant, db, seed):
    rng = random.Random(seed)
    _grow(plant, rng, 300)
    db.commit()
    _assert_same(plant)
    assert db.scalar(select(DailyOrderTotal.orders).limit(1)) is not None
    for _round in range(2):
        _change(plant, rng)
        _grow(plant, rng, 40)
        db.commit()
        _assert_same(plant)


def test_a_change_rolled_back_leaves_the_summary_as_it_was(planted, db):
    before = dashboards.orders_by_state(db, DashboardFilter())
    db.execute(update(Order).values(state="cancelled"))
    assert {r["state"] for r in dashboards.orders_by_state(db, DashboardFilter())} == {
        "cancelled"}
    db.rollback()
    assert dashboards.orders_by_state(db, DashboardFilter()) == before


def test_a_row_rule_on_channels_reads_the_summary_and_sees_only_its_channels(planted, db):
    mine = DashboardFilter(visible=Order.channel.in_(["manual"]))
    assert daily_totals.conditions(db, mine) is not None
    assert [(r["channel"], r["orders"]) for r in dashboards.orders_by_channel(db, mine)] == [
        ("manual", 1)]
    assert dashboards.headline(db, mine, {"late": 0})["sales"] == Decimal("10.00")


def test_a_row_rule_the_summary_cannot_say_counts_the_orders(planted, db):
    """``mine`` reads who entered the order, which the summary does not keep: the
    reader's figures come from their own orders, not from every order of the day."""
    db.execute(update(Order).where(Order.number == "T-0004").values(created_by="li"))
    db.commit()
    mine = DashboardFilter(visible=Order.created_by == "li")
    assert daily_totals.conditions(db, mine) is None
    assert [(r["state"], r["orders"], r["value"])
            for r in dashboards.orders_by_state(db, mine)] == [
        ("delivered", 1, Decimal("300.00"))]
    assert [(r["period"].isoformat(), r["sales"])
            for r in dashboards.sales_over_time(db, mine)] == [("2026-04-01", Decimal("300.00"))]


def test_a_period_that_does_not_start_at_midnight_counts_the_orders(planted, db):
    noon = DashboardFilter(created_from=at("2026-04-01T12:00:00"))
    assert daily_totals.conditions(db, noon) is None
    # Only the late USD draft is after noon on 1 April.
    assert [(r["state"], r["orders"]) for r in dashboards.orders_by_state(db, noon)] == [
        ("draft", 1)]


def test_rebuild_fills_a_lost_summary_again(planted, db):
    before = _figures(db, DashboardFilter())
    db.execute(delete(DailyOrderTotal))
    db.commit()
    assert dashboards.orders_by_state(db, DashboardFilter()) == []  # lost: nothing to read
    assert daily_totals.rebuild(db, "UTC") == 5
    db.commit()
    assert _figures(db, DashboardFilter()) == before


def test_rebuild_in_another_zone_is_used_only_when_the_dashboards_count_its_days(planted, db):
    # 23:59 UTC on 1 April is 2 April in Shanghai: kept there, the summary no longer
    # has the dashboards' (UTC) days, and the charts count the orders instead.
    daily_totals.rebuild(db, "Asia/Shanghai")
    db.commit()
    assert db.scalar(select(DailyOrderTotal.day).where(DailyOrderTotal.currency == "USD")
                     ).isoformat() == "2026-04-02"
    assert daily_totals.conditions(db, DashboardFilter()) is None
    assert [(r["period"].isoformat(), r["orders"])
            for r in dashboards.sales_over_time(db, DashboardFilter())][-1] == ("2026-04-01", 2)
    # Orders written later follow the zone the summary is kept in.
    plant = planted
    plant.order("2026-05-01T20:00:00", "confirmed", "web", "C9", [("A", 1, "1.00")])
    db.commit()
    assert db.scalar(select(DailyOrderTotal.day).where(DailyOrderTotal.day > at(
        "2026-04-30T00:00:00").date())).isoformat() == "2026-05-02"


def test_rebuild_in_a_zone_with_daylight_saving_is_refused_on_sqlite_only(planted, db):
    if db.get_bind().dialect.name == "sqlite":
        with pytest.raises(ValueError, match="Europe/Berlin changes its distance from UTC"):
            daily_totals.rebuild(db, "Europe/Berlin")
    else:  # PostgreSQL knows the zone's rules and keeps the summary in any zone.
        assert daily_totals.rebuild(db, "Europe/Berlin") > 0
        assert daily_totals.kept_zone(db) == "Europe/Berlin"


def test_the_rebuild_command_says_how_many_rows_it_wrote(tmp_path):
    from tests.platform.test_cli import run

    assert run(["init", "--admin-password", "tidy-harbour-42"], tmp_path).returncode == 0
    result = run(["dashboards", "rebuild"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "The daily summary has 0 rows, in days of UTC."


def test_the_order_list_counts_the_orders_for_filters_the_summary_does_not_keep(planted, db):
    assert daily_totals.state_counts(db, OrderFilter(customer="C1"), true()) is None
    assert daily_totals.state_counts(db, OrderFilter(), Order.created_by == "li") is None
    assert daily_totals.state_counts(db, OrderFilter(channel="manual"), true()) == {
        "confirmed": 1}


def _rows_and_keys(db) -> tuple[int, int]:
    key = [getattr(DailyOrderTotal, name) for name in daily_totals.KEY]
    rows = db.scalar(select(func.count()).select_from(DailyOrderTotal))
    keys = db.scalar(select(func.count()).select_from(select(*key).distinct().subquery()))
    return rows, keys


def test_folding_leaves_one_row_per_key_and_every_figure_as_it_was(plant, db):
    rng = random.Random(11)
    _grow(plant, rng, 200)
    db.commit()
    for _round in range(2):
        _change(plant, rng)
        db.commit()
    before = _figures(db, DashboardFilter())
    rows, keys = _rows_and_keys(db)
    assert rows > keys  # changes added rows beside the first one of their key

    assert daily_totals.fold(db, keys=3) == 3  # a batch at a time
    db.commit()
    assert _rows_and_keys(db)[0] < rows
    while daily_totals.fold(db):
        db.commit()
    db.commit()
    rows, keys = _rows_and_keys(db)
    assert rows == keys
    # A key all of whose orders left it (moved on, or deleted) is not kept as zeros.
    assert db.scalar(select(func.count()).select_from(DailyOrderTotal).where(
        DailyOrderTotal.orders == 0, DailyOrderTotal.total == 0)) == 0
    assert _figures(db, DashboardFilter()) == before
    _assert_same(plant)
    # Orders change on after a fold, and the summary follows them.
    _change(plant, rng)
    db.commit()
    _assert_same(plant)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_an_order_written_while_a_fold_runs_is_counted_once(app, planted, db):
    sessions = app.extensions["orderloom.db"].sessions
    for order in db.scalars(select(Order)):
        order.state = "shipped"
    db.commit()
    with sessions() as writer:
        # Moved, not yet committed: its rows are the writer's until it commits.
        order = writer.scalar(select(Order).where(Order.state == "shipped").limit(1))
        order.state = "confirmed"
        writer.flush()
        assert daily_totals.fold_round(sessions) > 0
        writer.commit()
    _assert_same(planted)
    while daily_totals.fold(db):
        db.commit()
    _assert_same(planted)


def test_the_sweeper_folds_the_summary(app, planted, db):
    for order in db.scalars(select(Order)):
        order.state = "shipped"
    db.commit()
    assert _rows_and_keys(db)[0] > _rows_and_keys(db)[1]
    jobs = app.extensions["orderloom.jobs"]
    stop = start_sweeper(jobs.sessions, runner=jobs.runner, every=0.05)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and _rows_and_keys(db)[0] > _rows_and_keys(db)[1]:
            db.rollback()
            time.sleep(0.05)
    finally:
        stop.set()
    rows, keys = _rows_and_keys(db)
    assert rows == keys
    _assert_same(planted)
