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
from orderloom.platform.field_sight import seen_data
from orderloom.platform.i18n import language
from orderloom.platform.pages import pages
from orderloom.platform.pages.floor_words import log_words, planning_words, scan_words
from orderloom.platform.problems import Problem, invalid
from orderloom.platform.row_access import visible_orders
from orderloom.runtime.documents import fulfilment
from orderloom.runtime.errors import OrderError
from orderloom.runtime.floor import planning, printing, scanning
from orderloom.runtime.floor import setup as floor_setup
from orderloom.runtime.floor.models import PACKED, Wave, WaveOrder
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
    number = floor_setup.whole_number(text, low, high)
    if number is None:
        raise planning.PlanningProblem(f"/{name}", "whole_number", {"low": low, "high": high})
    return number


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
    found = floor_setup.setup_of(session, wave.warehouse)
    return render_template("floor/pack.html", wave=wave,
                           summary=scanning.summary(session, wave),
                           weighing=found if found and found.tolerance_grams is not None
                           else None)


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
    bench = answer.order if answer.done in ("order_on_bench", "packed", "weigh_parcel") \
        else None
    if answer.refusal in ("not_in_order", "too_many", "parcel_open", "weigh_first"):
        bench = on_bench
    return _with_bench(reply, number, bench, answer)


def _with_bench(reply: dict[str, Any], number: str, bench: str | None,
                answer: scanning.Answer) -> dict[str, Any]:
    """The order still on the bench with its lines, and where the label of a parcel
    that closed just now is printed from."""
    reply["bench"] = None
    if bench:
        summary = scanning.summary(db_session(), visible_wave(number))
        reply["bench"] = next((o for o in summary["orders"] if o["number"] == bench), None)
    if answer.done in ("shipped", "packed_in_full") and answer.order:
        reply["label_print"] = url_for("pages.label_print_page", number=number,
                                       order=answer.order)
    return reply


@pages.post("/floor/waves/<number>/weighings")
@requires("floor.work")
def weigh_page(number: str):
    """The parcel on the bench weighed; the pack screen's weight box sends it."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    on_bench = body.get("order") if isinstance(body.get("order"), str) else None
    grams = body.get("grams")
    visible_wave(number, lock=True)
    try:
        if not isinstance(grams, (str, int)) or isinstance(grams, bool):
            raise scanning.ScanProblem("/grams", "not a weight")
        answer = scanning.weigh_scan(db_session(), current_actor(), number, on_bench,
                                     str(grams), set(current_user().role_names),
                                     may_act=current_user().can(ACTING), language=language())
    except scanning.ScanProblem:
        # Said beside the weight box, in red, like a refused scan: nothing is stored.
        db_session().rollback()
        return {"accepted": False, "refusal": "bad_weight", "done": None, "order": on_bench,
                "words": gettext("Type the parcel's weight in whole grams, from 1 to "
                                 "%(most)s", most=scanning.MOST_GRAMS),
                "bench": _with_bench({}, number, on_bench, scanning.Answer(False))["bench"]}
    reply = _answer_json(answer, number, "pack")
    return _with_bench(reply, number, on_bench if answer.done != "shipped" and
                       answer.done != "packed_in_full" else None, answer)


@pages.post("/floor/waves/<number>/orders/<order>/label-prints")
@requires("floor.work")
def label_print_page(number: str, order: str):
    """A print of the order's shipping label from the packing bench: logged on the
    wave's log and the order's timeline (the second and later as reprints); answers
    the label document to print."""
    # Locked: two taps at once read the count of prints in turn, print 1 then 2.
    wave = visible_wave(number, lock=True)
    session = db_session()
    found = next((o for m, o in scanning.wave_orders(session, wave)
                  if o.number == order and m.status == PACKED), None)
    if found is None:
        raise Problem(404, gettext("Order %(order)s is not packed in wave %(wave)s.",
                                   order=order, wave=number))
    try:
        document = fulfilment.order_document(session, found, "shipping_label",
                                             data_of=seen_data)
    except OrderError as refusal:
        session.rollback()
        raise Problem(422, refusal.message) from None
    printed = scanning.label_printed(session, current_actor(), wave, found)
    session.commit()
    # The page prints it in a sandboxed frame that runs no script (floor-bench.js).
    return {"print": printed, "reprint": printed > 1, "order": found.number,
            "html": document.html,
            "words": scan_words(None, "label_reprinted" if printed > 1 else "label_printed",
                                {"order": found.number, "print": printed})}
