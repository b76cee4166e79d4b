"""The warehouse floor's pages, made for a phone or a handheld scanner: the waves and
planning them, a wave's pick list, and the scan-to-pick and scan-to-pack screens.

The scan screens send each scan to the JSON routes here, which run the same runtime
functions as the API (api/waves.py) and answer in the reader's language, so a
keyboard-wedge scanner (it types the code, then Enter) gets its verdict at once.
"""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from sqlalchemy import select

from orderloom.platform.api.waves import (
    ACTING,
    must_move_orders,
    visible_wave,
    wave_pdf_response,
)
from orderloom.platform.auth import current_actor, current_user, requires
from orderloom.platform.database import db_session
from orderloom.platform.i18n import language
from orderloom.platform.pages import pages
from orderloom.platform.pages.floor_words import log_words, planning_words, scan_words
from orderloom.platform.problems import Problem, invalid
from orderloom.platform.row_access import visible_orders
from orderloom.runtime.errors import OrderError
from orderloom.runtime.floor import planning, printing, scanning
from orderloom.runtime.floor.models import Wave, WaveOrder
from orderloom.runtime.orders.models import Order
from orderloom.runtime.stock.catalog import Warehouse

MOST_ORDERS = planning.MAX_ORDERS


def _warehouses() -> list[Warehouse]:
    return list(db_session().scalars(select(Warehouse).order_by(Warehouse.priority,
                                                                 Warehouse.code)))


def _chosen_warehouse(warehouses: list[Warehouse]) -> Warehouse | None:
    code = request.args.get("warehouse") or request.form.get("warehouse")
    return next((w for w in warehouses if w.code == code), warehouses[0] if warehouses
                else None)


def _floor_page(errors: dict[str, str] | None = None, status: int = 200):
    session = db_session()
    warehouses = _warehouses()
    warehouse = _chosen_warehouse(warehouses)
    hidden = select(WaveOrder.wave_id).join(Order, Order.id == WaveOrder.order_id).where(
        ~visible_orders(current_user()))
    waves = list(session.scalars(select(Wave).where(Wave.id.not_in(hidden))
                                 .order_by(Wave.status.desc(), Wave.id.desc()).limit(50)))
    waiting = planning.waiting_orders(session, warehouse, visible_orders(current_user()),
                                      limit=100) if warehouse else []
    counts = {w.id: len(scanning.wave_orders(session, w)) for w in waves}
    return render_template("floor/index.html", waves=waves, counts=counts,
                           warehouses=warehouses, warehouse=warehouse, waiting=waiting,
                           errors=errors or {}, form=request.form), status


@pages.get("/floor")
@requires("floor.work")
def floor_page():
    return _floor_page()


@pages.post("/floor/waves")
@requires("floor.work")
def plan_wave_page():
    """A wave of the orders ticked in the list of orders waiting."""
    session = db_session()
    numbers = list(dict.fromkeys(n.strip() for n in request.form.getlist("orders")
                                 if n.strip()))
    try:
        wave = planning.plan_by_hand(session, current_actor(),
                                     request.form.get("warehouse", ""), numbers,
                                     visible_orders(current_user()))
    except OrderError as refusal:
        session.rollback()
        words = planning_words(refusal.key, refusal.values) \
            if isinstance(refusal, planning.PlanningProblem) else refusal.message
        return _floor_page({"hand": words}, 422)
    session.commit()
    return redirect(url_for("pages.wave_page", number=wave.number))


def _whole(name: str, default: int | None, low: int, high: int) -> int | None:
    text = request.form.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise planning.PlanningProblem(f"/{name}", "whole_number", {"low": low, "high": high})
    return int(text)


@pages.post("/floor/waves/plan")
@requires("floor.work")
def plan_waves_page():
    """Waves of every order waiting in the warehouse, by the rules ticked."""
    session = db_session()
    try:
        rules = planning.Rules(single_item=bool(request.form.get("single_item")),
                               same_carrier=bool(request.form.get("same_carrier")),
                               max_orders=_whole("max_orders", 50, 1, MOST_ORDERS),
                               max_lines=_whole("max_lines", None, 1, 100_000))
        waves = planning.plan_by_rules(session, current_actor(),
                                       request.form.get("warehouse", ""), rules,
                                       visible_orders(current_user()),
                                       set(current_user().role_names))
    except planning.PlanningProblem as refusal:
        session.rollback()
        field = refusal.pointer.strip("/") or "rules"
        return _floor_page({field: planning_words(refusal.key, refusal.values)}, 422)
    session.commit()
    flash(ngettext("Planned %(num)d wave: %(numbers)s.", "Planned %(num)d waves: %(numbers)s.",
                   len(waves), numbers=", ".join(w.number for w in waves)))
    return redirect(url_for("pages.floor_page", warehouse=request.form.get("warehouse")))


def _wave_or_404(number: str) -> Wave:
    try:
        return visible_wave(number)
    except scanning.WaveNotFound as missing:
        raise Problem(404, missing.message) from None


@pages.get("/floor/waves/<number>")
@requires("floor.work")
def wave_page(number: str):
    session = db_session()
    wave = _wave_or_404(number)
    return render_template("floor/wave.html", wave=wave,
                           summary=scanning.summary(session, wave),
                           log=[(s, log_words(s)) for s in
                                scanning.log_of(session, wave, limit=50)])


@pages.post("/floor/waves/<number>/prints")
@requires("floor.work")
def print_wave_page(number: str):
    """The wave's packing slips and labels (or only one of them) as one PDF."""
    _wave_or_404(number)
    kinds = [k for k in request.form.getlist("documents") if k in printing.PRINTABLE]
    try:
        return wave_pdf_response(number, kinds or list(printing.PRINTABLE))
    except OrderError as refusal:
        db_session().rollback()
        reason = gettext("every order of wave %(wave)s has left it (short picked, or moved "
                         "on)", wave=number) if isinstance(refusal, printing.NothingToPrint) \
            else refusal.message
        flash(gettext("The wave's documents were not printed: %(reason)s.", reason=reason),
              "error")
        return redirect(url_for("pages.wave_page", number=number))


@pages.get("/floor/waves/<number>/pick")
@requires("floor.work")
def pick_page(number: str):
    session = db_session()
    wave = _wave_or_404(number)
    summary = scanning.summary(session, wave)
    return render_template("floor/pick.html", wave=wave, summary=summary,
                           instruction=_pick_instruction(summary))


@pages.get("/floor/waves/<number>/pack")
@requires("floor.work")
def pack_page(number: str):
    session = db_session()
    wave = _wave_or_404(number)
    return render_template("floor/pack.html", wave=wave,
                           summary=scanning.summary(session, wave))


def _pick_instruction(summary: dict[str, Any]) -> str:
    stop = summary["next_stop"]
    if summary["status"] == "done" or stop is None:
        return gettext("Everything is picked: take the wave to packing.")
    if stop["bin"] and summary["at_bin"] != stop["bin"]:
        return gettext("Go to bin %(bin)s and scan it.", bin=stop["bin"])
    return gettext("Scan %(sku)s · %(name)s: %(picked)s of %(quantity)s picked.",
                   sku=stop["sku"], name=stop["name"], picked=stop["picked"],
                   quantity=stop["quantity"])


def _progress(summary: dict[str, Any], count: str) -> dict[str, int]:
    return {"done": sum(s[count] for s in summary["pick_list"]) if count == "picked" else
            sum(li["packed"] for o in summary["orders"] if o["status"] != "short"
                for li in o["lines"]),
            "total": summary["total_units"]}


def _answer_json(answer: scanning.Answer, number: str, step: str) -> dict[str, Any]:
    session = db_session()
    session.commit()
    summary = scanning.summary(session, visible_wave(number))
    values = {**answer.values, **({"order": answer.order} if answer.order else {})}
    reply: dict[str, Any] = {
        "accepted": answer.accepted, "refusal": answer.refusal,
        "words": scan_words(answer.refusal, answer.done, values), "done": answer.done,
        "order": answer.order, "wave_done": summary["status"] == "done",
        "progress": _progress(summary, "picked" if step == "pick" else "packed")}
    if step == "pick":
        reply["instruction"] = _pick_instruction(summary)
        reply["stop"] = summary["next_stop"]
    return reply


def _code() -> str:
    body = request.get_json(silent=True)
    code = body.get("code") if isinstance(body, dict) else None
    if not isinstance(code, str):
        raise invalid("/code", gettext("send the scanned code"))
    return code


@pages.post("/floor/waves/<number>/pick-scans")
@requires("floor.work")
def pick_scan_page(number: str):
    code = _code()
    visible_wave(number, lock=True)
    answer = scanning.pick_scan(db_session(), current_actor(), number, code)
    return _answer_json(answer, number, "pick")


@pages.post("/floor/waves/<number>/short")
@requires("floor.work")
def short_page(number: str):
    must_move_orders()
    visible_wave(number, lock=True)
    answer = scanning.report_short(db_session(), current_actor(), number)
    return _answer_json(answer, number, "pick")


@pages.post("/floor/waves/<number>/pack-scans")
@requires("floor.work")
def pack_scan_page(number: str):
    code = _code()
    body = request.get_json(silent=True) or {}
    on_bench = body.get("order") if isinstance(body.get("order"), str) else None
    visible_wave(number, lock=True)
    session = db_session()
    answer = scanning.pack_scan(session, current_actor(), number, code, on_bench,
                                set(current_user().role_names),
                                may_act=current_user().can(ACTING), language=language())
    reply = _answer_json(answer, number, "pack")
    bench = answer.order if answer.done in ("order_on_bench", "packed") else None
    if answer.refusal in ("not_in_order", "too_many", "parcel_open"):
        bench = on_bench
    reply["bench"] = None
    if bench:
        summary = scanning.summary(session, visible_wave(number))
        reply["bench"] = next((o for o in summary["orders"] if o["number"] == bench), None)
    return reply
