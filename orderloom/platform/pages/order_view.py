"""How an order reads to staff: labels in the reader's language, values formatted by
their field type on the order's own version of the form, and one sentence for each
entry of its timeline (in English, or in Chinese for a browser that asks for it)."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext, lazy_gettext, ngettext

from orderloom.designer import numbers
from orderloom.designer.blueprint import Blueprint, money_places
from orderloom.designer.field_access import FieldAccess
from orderloom.designer.form import formula_type
from orderloom.designer.state_categories import category_of
from orderloom.platform.field_sight import LINKED_ORDERS, access_to
from orderloom.platform.i18n import language as language  # the pages import it from here
from orderloom.platform.i18n import when as when  # and this
from orderloom.platform.pages.payment_status import payment_words_in_sentence
from orderloom.platform.pages.shipment_status import status_words
from orderloom.platform.problem_words import stored_fault_text
from orderloom.platform.refusals import refusal_words
from orderloom.runtime.customers.records import customer_field
from orderloom.runtime.orders.models import Order, OrderEvent
from orderloom.runtime.orders.timeline import TimelineKind
from orderloom.runtime.shipping import rates

log = logging.getLogger(__name__)


def label(value: Any, lang: str, fallback: str = "") -> str:
    """A definition's label (``{"en": ..., "zh": ...}``) in ``lang``, else in the
    other language: a designer may have filled in only one."""
    if isinstance(value, dict):
        for choice in (lang, "en", "zh"):
            if value.get(choice):
                return value[choice]
        return next((v for v in value.values() if v), fallback)
    if isinstance(value, str) and value:
        return value
    return fallback


class Labels:
    """The names one version of an order type gives its states, transitions and
    approvals, in the reader's language."""

    def __init__(self, blueprint: Blueprint, lang: str) -> None:
        definition = blueprint.definition
        workflow = definition["workflow"]
        self.definition = definition
        self.lang = lang
        self.name = label(definition.get("name"), lang, definition.get("key", ""))
        self.currency = definition.get("currency", "")
        # The fields that hold the total and the customer, whatever the form calls them.
        self.total_key = blueprint.total_key
        self.customer_key = customer_field(blueprint)
        # In workflow order: chips and lists show the states as the order meets them.
        self.states = {s["key"]: label(s.get("label"), lang, s["key"])
                       for s in workflow["states"]}
        # What each state means (its category), which colours its badge.
        self.categories = {s["key"]: category_of(s).value for s in workflow["states"]}
        self.transitions = {t["key"]: label(t.get("label"), lang, t["key"])
                            for t in workflow["transitions"]}
        self.approvals = {a["key"]: label(a.get("label"), lang, _humane(a["key"]))
                          for a in workflow.get("approvals", [])}
        # Per line-items field, each column's label and whether it holds money: an
        # edit's timeline entry quotes lines by them.
        self.columns = {f["key"]: {c["key"]: (label(c.get("label"), lang, c["key"]),
                                              formula_type(c) == "money")
                                   for c in f.get("fields", [])}
                        for f in definition["form"]["fields"] if f["type"] == "line_items"}

    def state(self, key: str | None) -> str:
        return self.states.get(key, key or "?")

    def category(self, key: str | None) -> str:
        return self.categories.get(key, "")

    def transition(self, key: str | None) -> str:
        return self.transitions.get(key, key or "?")

    def approval(self, key: str | None) -> str:
        return self.approvals.get(key, _humane(key or "?"))


def _humane(key: str) -> str:
    return key.replace("_", " ").capitalize()


# --- values -----------------------------------------------------------------------------------

def money(value: Any, currency: str = "", *, with_currency: bool = True) -> str:
    """An amount as people read it: 1,250.50 CNY. Without ``with_currency`` (a table
    with a currency column) just 1,250.50. A stored value that is no amount (a row
    changed by hand, a formula's fault) reads as faulty, and the page goes on."""
    if value in (None, ""):
        return ""
    amount = numbers.stored(value)
    if amount is None:
        return faulty(value)
    # The currency's places always show (1,250.50 CNY, 1,250 JPY; two when the
    # currency is not known), finer amounts keep their digits.
    places = money_places(currency)
    if amount.as_tuple().exponent > -places:
        amount = amount.quantize(Decimal(1).scaleb(-places))
    amount = format(amount, ",f")
    return f"{amount} {currency}".strip() if with_currency else amount


def faulty(value: Any) -> str:
    """How a stored value that cannot be what its field holds is shown: a formula's
    fault whole, in the reader's language; anything else cut short."""
    if isinstance(value, dict) and "error" in value:
        return gettext("faulty value: %(value)s", value=stored_fault_text(value))
    return gettext("faulty value: %(value)s", value=str(value)[:60])


def _option(field_spec: dict[str, Any], value: Any, lang: str) -> str:
    for option in field_spec.get("options", []):
        if option["value"] == value:
            return label(option.get("label"), lang, str(value))
    return str(value)


def format_value(field_spec: dict[str, Any], value: Any, lang: str, currency: str) -> str:
    """One field's value as text; line items are shown as a table elsewhere."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, dict) and "error" in value:  # a formula's fault, of any type
        return faulty(value)
    kind = field_spec["type"]
    if kind == "computed":
        kind = field_spec.get("result_type", "text")
    if kind == "money":
        return money(value, field_spec.get("currency") or currency)
    if kind in ("number", "integer") and numbers.stored(value) is None:
        return faulty(value)
    if kind == "boolean":
        return gettext("Yes") if value else gettext("No")
    if kind == "choice":
        return _option(field_spec, value, lang)
    if kind == "multi_choice" and isinstance(value, list):
        return ", ".join(_option(field_spec, v, lang) for v in value)
    if kind == "address" and isinstance(value, dict):
        parts = ("street", "district", "city", "province", "postcode", "country")
        return ", ".join(str(value[p]) for p in parts if value.get(p))
    if kind == "customer" and isinstance(value, dict):
        text = str(value.get("name") or value.get("code") or "")
        if value.get("code") and value.get("name"):
            text += f" ({value['code']})"
        if value.get("tier"):
            text += f" · {value['tier']}"
        return text
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@dataclass
class Column:
    key: str
    label: str
    computed: bool


@dataclass
class FieldView:
    key: str
    label: str
    computed: bool
    text: str = ""
    columns: list[Column] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)

    @property
    def is_lines(self) -> bool:
        return bool(self.columns)


@dataclass
class SectionView:
    title: str
    columns: int
    fields: list[FieldView]


def form_sections(order: Order, blueprint: Blueprint, lang: str) -> list[SectionView]:
    """The order's values in the layout of its own version's form. Fields the layout
    does not place come last, so no value is ever hidden from staff."""
    definition = blueprint.definition
    form = definition["form"]
    access = access_to(order.version)
    # A field the viewer may not see is left out as if the form had none.
    fields = {f["key"]: _seen_spec(f, access) for f in form["fields"]
              if f["key"] not in access.hidden}
    data = access.visible(order.data)
    currency = definition.get("currency", "")
    sections: list[SectionView] = []
    placed: set[str] = set()
    for section in form.get("layout", []):
        keys = [k for k in section.get("fields", []) if k in fields]
        placed.update(keys)
        views = [v for v in (_field_view(fields[k], data, lang, currency) for k in keys)
                 if v is not None]
        if views:
            sections.append(SectionView(label(section.get("title"), lang, ""),
                                        int(section.get("columns", 1)), views))
    rest = [v for v in (_field_view(f, data, lang, currency)
                        for k, f in fields.items() if k not in placed) if v is not None]
    if rest:
        sections.append(SectionView(gettext("Other fields") if sections else "", 1, rest))
    return sections


def _seen_spec(spec: dict[str, Any], access: FieldAccess) -> dict[str, Any]:
    """A line-items field without the columns the viewer may not see."""
    hidden = access.hidden_columns.get(spec["key"])
    if not hidden:
        return spec
    return {**spec, "fields": [c for c in spec.get("fields", []) if c["key"] not in hidden]}


def _field_view(spec: dict[str, Any], data: dict[str, Any], lang: str,
                currency: str) -> FieldView | None:
    value = data.get(spec["key"])
    # A conditional field left empty is one the form did not show; skip it too.
    if spec.get("visible_when") and value in (None, "", []):
        return None
    view = FieldView(spec["key"], label(spec.get("label"), lang, spec["key"]),
                     spec["type"] == "computed")
    if spec["type"] == "line_items":
        columns = spec.get("fields", [])
        view.columns = [Column(c["key"], label(c.get("label"), lang, c["key"]),
                               c["type"] == "computed") for c in columns]
        lines = value if isinstance(value, list) else []
        view.rows = [[format_value(c, line.get(c["key"]), lang, currency)
                      if isinstance(line, dict) else "" for c in columns] for line in lines]
        return view
    view.text = format_value(spec, value, lang, currency)
    return view


# --- the timeline ------------------------------------------------------------------------------
# Sentences go through gettext: the Chinese ones are in platform/translations.

@dataclass
class Entry:
    at: str
    actor: str
    kind: str
    sentence: str
    body: str = ""
    notes: list[str] = field(default_factory=list)


def timeline(events: list[OrderEvent], names: Labels,
             access: FieldAccess | None = None,
             hidden_orders: frozenset[str] = frozenset()) -> list[Entry]:
    """One entry per event; ``access`` leaves out the values of fields the reader may
    not see, and ``hidden_orders`` the numbers of orders linked by a return that their
    row rules hide (field_sight.hidden_numbers)."""
    return [_entry(event, names, access or FieldAccess(), hidden_orders)
            for event in events]


def _entry(event: OrderEvent, names: Labels, access: FieldAccess,
           hidden_orders: frozenset[str] = frozenset()) -> Entry:
    details = access.in_details(event.details or {}, names.definition, event.kind)
    if event.kind == TimelineKind.AFTER_SALES and hidden_orders:
        details = {key: value for key, value in details.items()
                   if not (key in LINKED_ORDERS and value in hidden_orders)}
    entry = Entry(when(event.at), event.actor_name, event.kind, "")
    describe = _SENTENCES.get(event.kind)
    try:
        entry.sentence = describe(event, details, names, entry) if describe else \
            f"{_humane(event.kind)}."
    except (KeyError, TypeError, AttributeError):
        # Entries written by older versions may lack a member; say what is known.
        log.warning("timeline entry %s of kind %r has unexpected details", event.id,
                    event.kind)
        entry.sentence = f"{_humane(event.kind)}."
    for skipped in details.get("not_carried_out", []):
        entry.notes.append(gettext("Not carried out: %(action)s (%(reason)s)",
                                   action=skipped.get("type", "?"),
                                   reason=skipped.get("reason", "")))
    return entry


def _hours(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def _created(event, details, names, entry) -> str:
    matched = [r["key"] for r in details.get("rules", []) if r.get("matched")]
    if matched:
        entry.notes.append(gettext("Rules that matched: %(rules)s", rules=", ".join(matched)))
    return gettext("%(actor)s created the order in %(state)s (version %(version)s).",
                   actor=event.actor_name, state=names.state(event.to_state),
                   version=details.get("version", "?"))


def _transition(event, details, names, entry) -> str:
    changes = details.get("changes") or {}
    if changes:
        entry.notes.append(gettext("Changed: %(fields)s", fields=", ".join(sorted(changes))))
    return gettext("%(actor)s took “%(transition)s”: %(source)s → %(target)s.",
                   actor=event.actor_name, transition=names.transition(event.transition),
                   source=names.state(event.from_state), target=names.state(event.to_state))


def _edited(event, details, names, entry) -> str:
    changes = details.get("changes") or {}
    for key in sorted(changes):
        old, new = changes[key]
        if isinstance(old, list | dict) or isinstance(new, list | dict):
            entry.notes.append(gettext("%(field)s changed", field=key))
        else:
            entry.notes.append(f"{key}: {'—' if old in (None, '') else old} → "
                               f"{'—' if new in (None, '') else new}")
    acted = [r["key"] for r in details.get("rules", [])]
    acted += [t["key"] for t in details.get("decision_tables", [])]
    if acted:
        entry.notes.append(gettext("Rules that acted on the edit: %(rules)s",
                                   rules=", ".join(acted)))
    return ngettext("%(actor)s edited the order (%(num)d field changed).",
                    "%(actor)s edited the order (%(num)d fields changed).",
                    len(changes), actor=event.actor_name)


def _approval(event, details, names, entry) -> str:
    approval = names.approval(details.get("approval"))
    outcome = details.get("outcome")
    moved = (gettext(" The order moved from %(source)s to %(target)s.",
                     source=names.state(event.from_state), target=names.state(event.to_state))
             if event.to_state else "")
    if outcome == "requested":
        who = ", ".join(_approver(a) for a in details.get("approvers", []))
        entry.notes.extend(details.get("notes", []))
        return gettext("Approval “%(approval)s” requested from %(who)s: %(reason)s.",
                       approval=approval, who=who or gettext("the approvers"),
                       reason=_approval_why(details))
    if details.get("automatic"):
        return gettext("Approval “%(approval)s” was given automatically: %(reason)s.",
                       approval=approval, reason=_approval_why(details)) + moved
    if outcome == "escalated":
        return gettext("Approval “%(approval)s” was escalated to the %(role)s role after "
                       "%(hours)s h.", approval=approval, role=details.get("to_role"),
                       hours=_hours(details.get("after_hours", "?")))
    if outcome == "reminded":
        return gettext("The approvers of “%(approval)s” were reminded.", approval=approval)
    decision = details.get("decision")
    if decision in ("approved", "rejected"):
        who = (gettext("%(actor)s on behalf of %(principal)s", actor=event.actor_name,
                       principal=details["on_behalf_of"])
               if details.get("on_behalf_of") else event.actor_name)
        entry.body = details.get("comment") or ""
        if outcome is None:
            if decision == "approved":
                return gettext("%(who)s approved “%(approval)s”; other approvers still have "
                               "to decide.", who=who, approval=approval)
            return gettext("%(who)s rejected “%(approval)s”; other approvers still have to "
                           "decide.", who=who, approval=approval)
        if decision == "approved":
            return gettext("%(who)s approved “%(approval)s”.", who=who,
                           approval=approval) + moved
        return gettext("%(who)s rejected “%(approval)s”.", who=who, approval=approval) + moved
    return gettext("Approval “%(approval)s”: %(outcome)s.", approval=approval,
                   outcome=outcome or gettext("updated")) + moved


def _approval_why(details: dict[str, Any]) -> str:
    """Why an approval was asked for or waived, by its ``why`` (entering.py); the stored
    English ``reason`` for an entry kept before it had one."""
    why, reason = details.get("why"), str(details.get("reason", ""))
    if why == "asked":
        return gettext("a require_approval action asked for it")
    if why == "always":
        return gettext("every order needs it")
    if why == "true":
        return gettext("its condition %(when)s is TRUE", when=repr(details.get("when", "")))
    if why == "not_true":
        return gettext("its condition %(when)s is not TRUE", when=repr(details.get("when", "")))
    if why == "failed" and isinstance(details.get("condition_fault"), dict):
        return gettext("its condition failed: %(fault)s",
                       fault=stored_fault_text(details["condition_fault"]))
    return reason


def _approver(approver: dict[str, Any]) -> str:
    if approver.get("role"):
        return gettext("the %(role)s role", role=approver["role"])
    if approver.get("permission"):
        # No approver was found: the task went to whoever holds this permission.
        return gettext("everyone whose roles grant %(permission)s",
                       permission=approver["permission"])
    return str(approver.get("user") or approver.get("username") or "?")


def _automatic(event, details, names, entry) -> str:
    source, target = names.state(event.from_state), names.state(event.to_state)
    if "after_hours" in details:
        return gettext("Moved automatically from %(source)s to %(target)s after %(hours)s h.",
                       source=source, target=target, hours=_hours(details["after_hours"]))
    condition = details["when"] if "when" in details else gettext("its condition")
    return gettext("Moved automatically from %(source)s to %(target)s because %(condition)s "
                   "became true.", source=source, target=target, condition=condition)


def _comment(event, details, names, entry) -> str:
    entry.body = details.get("body", "")
    mentions = details.get("mentions") or []
    if mentions:
        entry.notes.append(gettext("Notified: %(people)s",
                                   people=", ".join(f"@{m}" for m in mentions)))
    return gettext("%(actor)s commented:", actor=event.actor_name)


def _job(event, details, names, entry) -> str:
    if details.get("error"):
        values = details.get("values") if isinstance(details.get("values"), dict) else {}
        error = refusal_words(details.get("code"), str(details["error"]), values)
        entry.notes.append(gettext("Error: %(error)s", error=error))
    if details.get("result"):
        entry.notes.append(gettext("Result: %(result)s", result=details["result"]))
    job, attempts = details.get("job_kind", "?"), details.get("attempts", "?")
    status = details.get("status", "?")
    if status == "done":
        return gettext("Background job “%(job)s” done (attempt %(attempts)s).", job=job,
                       attempts=attempts)
    if status == "failed":
        return gettext("Background job “%(job)s” failed (attempt %(attempts)s).", job=job,
                       attempts=attempts)
    return gettext("Background job “%(job)s” %(status)s (attempt %(attempts)s).", job=job,
                   status=status, attempts=attempts)


def _version_moved(event, details, names, entry) -> str:
    return gettext("%(actor)s moved the order from version %(source)s to version %(target)s.",
                   actor=event.actor_name, source=details.get("from_version"),
                   target=details.get("to_version"))


def _sla_breached(event, details, names, entry) -> str:
    roles = ", ".join(details.get("notified_roles", [])) or gettext("nobody")
    state, hours = names.state(details.get("state")), _hours(details.get("sla_hours", "?"))
    if details.get("notified_permission"):
        roles = gettext("everyone whose roles grant %(permission)s",
                        permission=details["notified_permission"])
    if details.get("time_counts") == "business_hours":
        return gettext("The order has been in %(state)s longer than its %(hours)s business "
                       "hours SLA; notified: %(roles)s.", state=state, hours=hours, roles=roles)
    if details.get("time_counts") == "business_days":
        return gettext("The order has been in %(state)s longer than its %(days)s business "
                       "days SLA; notified: %(roles)s.", state=state, days=hours, roles=roles)
    return gettext("The order has been in %(state)s longer than its %(hours)s h SLA; "
                   "notified: %(roles)s.", state=state, hours=hours, roles=roles)


def _approval_required(event, details, names, entry) -> str:
    moved = (gettext(" The order moved from %(source)s to %(target)s.",
                     source=names.state(event.from_state), target=names.state(event.to_state))
             if event.to_state else "")
    return gettext("A rule asked for approval “%(approval)s”.",
                   approval=names.approval(details.get("approval"))) + moved


def _automatic_blocked(event, details, names, entry) -> str:
    reason = refusal_words(details.get("code"), details.get("reason", ""),
                           details.get("values") or {})
    return gettext("The automatic move “%(transition)s” could not be made: %(reason)s.",
                   transition=names.transition(event.transition), reason=reason)


def _automatic_stopped(event, details, names, entry) -> str:
    return gettext("Automatic moves stopped: %(reason)s.", reason=details.get("reason", ""))


def _stock_released(event, details, names, entry) -> str:
    return ngettext("The order finished in %(state)s; %(num)d held unit went back to stock.",
                    "The order finished in %(state)s; %(num)d held units went back to stock.",
                    int(details["units"]), state=names.state(details.get("state")))


def _held(event, details, names, entry) -> str:
    if "lifted" in details:
        return gettext("The hold on the order was lifted: %(reason)s.",
                       reason=label(details["lifted"], language()))
    reasons = [action.get("reason") for action in details.get("actions", [])
               if action.get("type") == "hold"]
    reason = label(reasons[0], language()) if reasons else ""
    return gettext("The order was held in %(state)s: %(reason)s.",
                   state=names.state(event.from_state), reason=reason)


def _exception(event, details, names, entry) -> str:
    reason = label(details.get("label") or {}, language()) or details.get("reason", "?")
    step = details.get("step")
    if details.get("note"):
        entry.notes.append(details["note"])
    if step == "assigned":
        return gettext("Exception %(reason)s was assigned to %(person)s.",
                       reason=reason, person=details.get("assignee") or "?")
    if step == "resolved":
        resolution = label(details.get("resolution_label") or {}, language()) \
            or details.get("resolution", "?")
        return gettext("Exception %(reason)s was resolved: %(resolution)s.",
                       reason=reason, resolution=resolution)
    message = label(details.get("message") or {}, language())
    return gettext("Exception raised, the order waits for a person: %(reason)s. %(message)s",
                   reason=reason, message=message).strip()


def _price_below_list(event, details, names, entry) -> str:
    lines = [line for line in details.get("lines", []) if isinstance(line, dict)]
    first = lines[0] if lines else {}
    currency = details.get("currency", "")
    if not lines:  # an edit brought every line up to its list price
        return gettext("No line is priced below its list price any more.")
    if first.get("price") is None:  # the reader may not see the lines' money
        return ngettext("%(num)d line is priced below its list price: %(sku)s.",
                        "%(num)d lines are priced below their list price; the first: "
                        "%(sku)s.", len(lines), sku=first.get("sku", "?"))
    return ngettext("%(num)d line is priced below its list price: %(sku)s at %(price)s, "
                    "list price %(list_price)s.",
                    "%(num)d lines are priced below their list price; the first: %(sku)s "
                    "at %(price)s, list price %(list_price)s.",
                    len(lines), sku=first.get("sku", "?"),
                    price=money(first.get("price"), currency),
                    list_price=money(first.get("list_price"), currency))


def _is_zero(amount: Any) -> bool:
    try:
        return Decimal(str(amount)) == 0
    except ArithmeticError:  # an odd stored value reads as a discount, not a failure
        return False


def _promotion(event, details, names, entry) -> str:
    rule = details.get("name") or details.get("rule", "?")
    step = details.get("step")
    if step == "gift":
        return gettext("Promotion %(rule)s gave a gift: %(quantity)s x %(sku)s, reserved in "
                       "%(warehouse)s.", rule=rule, quantity=details.get("quantity", "?"),
                       sku=details.get("sku", "?"), warehouse=details.get("warehouse", "?"))
    if step == "gift_moved":
        return gettext("Promotion %(rule)s's gift, %(quantity)s x %(sku)s, is now reserved "
                       "in %(warehouse)s, with the order's own stock, to ship with it.",
                       rule=rule, quantity=details.get("quantity", "?"),
                       sku=details.get("sku", "?"), warehouse=details.get("warehouse", "?"))
    if step == "gift_taken_back":
        return gettext("After the edit the order no longer qualifies for promotion "
                       "%(rule)s: its gift, %(quantity)s x %(sku)s, was taken back and is "
                       "on the shelf in %(warehouse)s again.", rule=rule,
                       quantity=details.get("quantity", "?"), sku=details.get("sku", "?"),
                       warehouse=details.get("warehouse", "?"))
    if step == "gift_out_of_stock":
        return gettext("Promotion %(rule)s would give %(quantity)s x %(sku)s, but the gift "
                       "is out of stock: none was given.", rule=rule,
                       quantity=details.get("quantity", "?"), sku=details.get("sku", "?"))
    currency = details.get("currency", "")
    if step == "discount_no_field":
        return gettext("Promotion %(rule)s would take a discount off, but the order's form "
                       "has no discount field: the total is unchanged.", rule=rule)
    if step == "discount_changed":
        if details.get("amount") is None:  # the reader may not see the order's money
            return gettext("After the edit promotion %(rule)s's discount was worked out "
                           "again.", rule=rule)
        if _is_zero(details["amount"]):
            return gettext("After the edit the order no longer qualifies for promotion "
                           "%(rule)s's discount: total %(before)s, now %(total)s.", rule=rule,
                           before=money(details.get("total_before"), currency) or "?",
                           total=money(details.get("total"), currency) or "?")
        return gettext("After the edit promotion %(rule)s takes %(amount)s off: total "
                       "%(before)s, now %(total)s.", rule=rule,
                       amount=money(details.get("amount"), currency),
                       before=money(details.get("total_before"), currency) or "?",
                       total=money(details.get("total"), currency) or "?")
    if details.get("amount") is None:  # the reader may not see the order's money
        return gettext("Promotion %(rule)s gave the order a discount.", rule=rule)
    return gettext("Promotion %(rule)s took %(amount)s off the total: %(before)s, now "
                   "%(total)s.", rule=rule, amount=money(details.get("amount"), currency),
                   before=money(details.get("total_before"), currency) or "?",
                   total=money(details.get("total"), currency) or "?")


def _pre_sale(event, details, names, entry) -> str:
    day = details.get("release_on", "?")
    part = details.get("part")
    if details.get("step") == "released" and part is not None:
        if details.get("warehouse"):
            return gettext("Pre-sale release day %(day)s: part %(part)s is released and "
                           "ships from %(warehouse)s.", day=day, part=part,
                           warehouse=details["warehouse"])
        return gettext("Pre-sale release day %(day)s: part %(part)s is released; no "
                       "warehouse has its stock yet, so it waits back-ordered.",
                       day=day, part=part)
    if details.get("step") == "released":
        return gettext("Pre-sale release day %(day)s: the order no longer waits for it.",
                       day=day)
    lines = [line for line in details.get("lines", []) if isinstance(line, dict)]
    covered = [line for line in lines if line.get("receipt")]
    items = ", ".join(f"{line.get('quantity', '?')} x {line.get('sku', '?')}" for line in lines)
    if part is not None:
        return gettext("Pre-sale: %(items)s, held in part %(part)s until the release on "
                       "%(day)s; the rest of the order ships without it.",
                       items=items, part=part, day=day)
    if len(covered) == len(lines):
        return gettext("Pre-sale: %(items)s. The order waits for the release on %(day)s; "
                       "its units are reserved against expected receipts.",
                       items=items, day=day)
    return gettext("Pre-sale: %(items)s. The order waits for the release on %(day)s; the "
                   "expected receipts do not cover every unit.", items=items, day=day)


def _scan(event, details, names, entry) -> str:
    outcome = details.get("outcome")
    values = details.get("values") if isinstance(details.get("values"), dict) else {}
    wave = details.get("wave", "?")
    scans = values.get("scans") if isinstance(values.get("scans"), list) else []
    if scans:
        codes = ", ".join(str(s.get("code", "?")) + ("" if s.get("accepted") else " ✗")
                          for s in scans if isinstance(s, dict))
        entry.notes.append(ngettext("%(num)d scan: %(codes)s", "%(num)d scans: %(codes)s",
                                    len(scans), codes=codes))
    if outcome == "picked":
        return gettext("%(actor)s picked every item of the order in wave %(wave)s.",
                       actor=event.actor_name, wave=wave)
    if outcome == "short":
        return gettext("%(actor)s reported %(missing)s × %(sku)s of the order not on the "
                       "shelf in wave %(wave)s.", actor=event.actor_name, wave=wave,
                       missing=values.get("missing", "?"), sku=values.get("sku", "?"))
    if outcome == "packed":
        if values.get("why"):
            entry.notes.append(values["why"])
        if values.get("part"):
            return gettext("%(actor)s verified every item of the order's part in "
                           "%(warehouse)s at the packing bench of wave %(wave)s; that part "
                           "ships on its own.", actor=event.actor_name,
                           warehouse=values["part"], wave=wave)
        return gettext("%(actor)s verified every item of the order at the packing bench of "
                       "wave %(wave)s.", actor=event.actor_name, wave=wave)
    if outcome in ("weight_ok", "weight_off"):
        words = dict(actor=event.actor_name, wave=wave, grams=values.get("grams", "?"),
                     expected=values.get("expected", "?"),
                     tolerance=values.get("tolerance", "?"))
        if outcome == "weight_ok":
            return gettext("%(actor)s weighed the parcel at %(grams)s g in wave %(wave)s: "
                           "within %(expected)s g ± %(tolerance)s g.", **words)
        return gettext("%(actor)s weighed the parcel at %(grams)s g in wave %(wave)s: out of "
                       "%(expected)s g ± %(tolerance)s g, so it did not close.", **words)
    if outcome == "label_printed":
        return gettext("%(actor)s printed the order's shipping label at the packing bench "
                       "of wave %(wave)s.", actor=event.actor_name, wave=wave)
    if outcome == "label_reprinted":
        return gettext("%(actor)s reprinted the order's shipping label at the packing bench "
                       "of wave %(wave)s (print %(print)s).", actor=event.actor_name,
                       wave=wave, print=values.get("print", "?"))
    # An entry of another shape: still a sentence, never an error.
    return gettext("%(actor)s scanned %(code)s while picking wave %(wave)s.",
                   actor=event.actor_name, code=details.get("code", "?"), wave=wave)


def _edit_difference(event, details, names, entry) -> str:
    """An edit of a placed order: the lines it changed (one note each), the stock it
    moved and what the total became."""
    currency = details.get("currency", "")
    for line in details.get("lines", []):
        if isinstance(line, dict):
            entry.notes.append(_line_change(line, names))
    for move in details.get("stock", []):
        if isinstance(move, dict):
            change = int(move.get("change") or 0)
            entry.notes.append(
                gettext("%(num)d × %(sku)s more held in %(warehouse)s",
                        num=change, sku=move.get("sku", "?"), warehouse=move.get("warehouse"))
                if change > 0 else
                gettext("%(num)d × %(sku)s given back to stock in %(warehouse)s",
                        num=-change, sku=move.get("sku", "?"),
                        warehouse=move.get("warehouse")))
    if not isinstance(details.get("total"), list):  # the total is hidden from the reader
        return ngettext("%(actor)s changed %(num)d line.", "%(actor)s changed %(num)d lines.",
                        len(details.get("lines") or []), actor=event.actor_name) \
            if details.get("lines") else gettext("%(actor)s edited the order.",
                                                 actor=event.actor_name)
    total = details["total"]
    if not details.get("lines"):  # a discount or a fee changed, no line
        return gettext("%(actor)s's edit changed the total from %(was)s to %(now)s.",
                       actor=event.actor_name, was=money(total[0], currency) or "—",
                       now=money(total[-1], currency) or "—")
    return ngettext("%(actor)s changed %(num)d line; the total went from %(was)s to %(now)s.",
                    "%(actor)s changed %(num)d lines; the total went from %(was)s to "
                    "%(now)s.", len(details.get("lines") or []), actor=event.actor_name,
                    was=money(total[0], currency) or "—",
                    now=money(total[-1], currency) or "—")


def _line_change(line: dict[str, Any], names: Labels) -> str:
    columns = names.columns.get(line.get("field"), {})

    def shown(values: Any) -> str:
        if not isinstance(values, dict):
            return "—"
        quoted = []
        # In the form's column order: a stored line's keys may come back sorted.
        for key in [*(k for k in columns if k in values),
                    *(k for k in values if k not in columns)]:
            value = values[key]
            if value in (None, ""):
                continue
            name, is_money = columns.get(key, (key, False))
            quoted.append(f"{name} {money(value, names.currency) if is_money else value}")
        return ", ".join(quoted)
    if line.get("before") is None:
        return gettext("line %(line)s added: %(after)s", line=line.get("line", "?"),
                       after=shown(line.get("after")))
    if line.get("after") is None:
        return gettext("line %(line)s removed: %(before)s", line=line.get("line", "?"),
                       before=shown(line.get("before")))
    return gettext("line %(line)s: %(before)s → %(after)s", line=line.get("line", "?"),
                   before=shown(line.get("before")), after=shown(line.get("after")))
# --- merging and splitting (runtime/consolidation/) ---------------------------------------------

def _merged(event, details, names, entry) -> str:
    orders = ", ".join(str(n) for n in details.get("orders") or [])
    for moved in details.get("moved") or []:
        if isinstance(moved, dict):
            entry.notes.append(gettext("%(quantity)s × %(sku)s moved from %(source)s",
                                       quantity=moved.get("quantity", "?"),
                                       sku=moved.get("sku", "?"),
                                       source=moved.get("from", "?")))
    if details.get("by") == "rule":
        return gettext("Merged by rule into one parcel with %(orders)s, leaving from "
                       "%(warehouse)s.", orders=orders, warehouse=details.get("warehouse") or "?")
    return gettext("%(actor)s merged the order into one parcel with %(orders)s, leaving from "
                   "%(warehouse)s.", actor=event.actor_name, orders=orders,
                   warehouse=details.get("warehouse") or "?")


def _merge_undone(event, details, names, entry) -> str:
    return gettext("%(actor)s undid the merge of %(orders)s; each order ships on its own.",
                   actor=event.actor_name,
                   orders=", ".join(str(n) for n in details.get("orders") or []))


_SPLIT_BASES = {"warehouse": lazy_gettext("by warehouse"), "stock": lazy_gettext("by stock"),
                "parcel": lazy_gettext("by parcel limits"), "hand": lazy_gettext("by hand"),
                "held": lazy_gettext("to hold lines back")}
_PART_STATUSES = {"to_ship": lazy_gettext("to ship"), "shipped": lazy_gettext("shipped"),
                  "backordered": lazy_gettext("back-ordered"), "held": lazy_gettext("held")}


def _split(event, details, names, entry) -> str:
    parts = [p for p in details.get("parts") or [] if isinstance(p, dict)]
    for part in parts:
        lines = ", ".join(f"{ln.get('qty', '?')} × {ln.get('sku', '?')}"
                          for ln in part.get("lines") or [] if isinstance(ln, dict))
        entry.notes.append(gettext("Part %(position)s (%(status)s%(where)s): %(lines)s",
                                   position=part.get("position", "?"),
                                   status=_PART_STATUSES.get(part.get("status"),
                                                             part.get("status", "?")),
                                   where=f", {part['warehouse']}" if part.get("warehouse")
                                   else "", lines=lines))
    basis = _SPLIT_BASES.get(details.get("basis"), details.get("basis", "?"))
    return ngettext("%(actor)s split the order %(basis)s into %(num)d part.",
                    "%(actor)s split the order %(basis)s into %(num)d parts.", len(parts),
                    actor=event.actor_name, basis=basis)


_DOCUMENTS = {"pick_list": lazy_gettext("Pick list"),
              "packing_slip": lazy_gettext("Packing slip"),
              "shipping_label": lazy_gettext("Shipping label"),
              "invoice": lazy_gettext("Invoice"),
              "order": lazy_gettext("Order sheet")}


def _document(event, details, names, entry) -> str:
    kind = details.get("document", "?")
    document = str(_DOCUMENTS.get(kind, _humane(kind)))
    if details.get("ready"):
        return gettext("%(document)s is ready to print.", document=document)
    values = details.get("values") if isinstance(details.get("values"), dict) else {}
    return gettext("%(document)s could not be made: %(error)s.", document=document,
                   error=refusal_words(details.get("code"), str(details.get("error", "")),
                                       values))


def _shipment(event, details, names, entry) -> str:
    return gettext("%(actor)s created shipment %(number)s with carrier %(carrier)s.",
                   actor=event.actor_name, number=details.get("tracking_number", "?"),
                   carrier=details.get("carrier", "?"))


def _carrier_chosen(event, details, names, entry) -> str:
    for quote in details.get("quotes", []):
        entry.notes.append(gettext("%(carrier)s: %(price)s, %(days)s days %(service)s",
                                   carrier=quote.get("carrier", "?"),
                                   price=quote.get("price", "?"), days=quote.get("days", "?"),
                                   service=quote.get("service", "")).strip())
    for code, reason in (details.get("missing") or {}).items():
        entry.notes.append(gettext("%(carrier)s gave no quote: %(reason)s", carrier=code,
                                   reason=reason))
    if details.get("mode") == rates.CHOSEN:
        return gettext("%(actor)s chose carrier %(carrier)s from %(count)s quotes.",
                       actor=event.actor_name, carrier=details.get("carrier", "?"),
                       count=len(details.get("quotes", [])))
    if details.get("mode") == rates.FASTEST:
        return gettext("Carrier %(carrier)s was chosen as the fastest of %(count)s quotes.",
                       carrier=details.get("carrier", "?"),
                       count=len(details.get("quotes", [])))
    return gettext("Carrier %(carrier)s was chosen as the cheapest of %(count)s quotes.",
                   carrier=details.get("carrier", "?"), count=len(details.get("quotes", [])))


def _tracking(event, details, names, entry) -> str:
    status = status_words(details.get("status"))
    if details.get("description"):
        entry.notes.append(details["description"])
    if details.get("not_taken"):
        entry.notes.append(gettext("“%(transition)s” was not taken: %(reason)s",
                                   transition=names.transition(details.get("transition")),
                                   reason=details["not_taken"]))
    number = details.get("tracking_number", "?")
    if details.get("location"):
        return gettext("Parcel %(number)s: %(status)s in %(location)s.", number=number,
                       status=status, location=details["location"])
    return gettext("Parcel %(number)s: %(status)s.", number=number, status=status)


def _payment(event, details, names, entry) -> str:
    if details.get("reference"):
        entry.notes.append(gettext("Reference %(reference)s", reference=details["reference"]))
    status = details.get("payment_status", [None, None])[1]
    return gettext("Payment of %(amount)s received by %(method)s; the order is now "
                   "%(status)s.", amount=money(details["amount"], details.get("currency", "")),
                   method=details.get("method", "?"), status=payment_words_in_sentence(status))


def _refund(event, details, names, entry) -> str:
    if details.get("reason"):
        entry.notes.append(gettext("Reason: %(reason)s", reason=details["reason"]))
    status = details.get("payment_status", [None, None])[1]
    return gettext("Refund of %(amount)s issued; the order is now %(status)s.",
                   amount=money(details["amount"], details.get("currency", "")),
                   status=payment_words_in_sentence(status))


# --- returns and exchanges (runtime/after_sales/) ---

def _after_sales(event, details, names, entry) -> str:
    number = details.get("return", "?")
    step = details.get("step")
    if details.get("note"):
        entry.notes.append(details["note"])
    if step == "replacement_for":
        reship = details.get("outcome") == "reship"
        if "order" not in details:  # an order the reader's row rules hide
            return gettext("Re-shipment of missing items, at no charge, for return "
                           "%(number)s.", number=number) if reship else \
                gettext("Exchange order for return %(number)s.", number=number)
        if reship:
            return gettext("Re-shipment of the missing items of %(order)s, at no charge, "
                           "for return %(number)s.", order=details["order"], number=number)
        return gettext("Exchange order for return %(number)s of %(order)s.",
                       number=number, order=details["order"])
    if step == "handed_over":
        return ngettext("The %(num)d unit return %(number)s held for this order went to "
                        "its workflow's own reservation.",
                        "The %(num)d units return %(number)s held for this order went to "
                        "its workflow's own reservation.",
                        details.get("units") or 0, number=number)
    if step == "requested":
        reason = label(details.get("reason_label") or {}, language()) \
            or details.get("reason", "?")
        return ngettext("Return %(number)s was requested for %(num)d line: %(reason)s.",
                        "Return %(number)s was requested for %(num)d lines: %(reason)s.",
                        len(details.get("lines") or []), number=number, reason=reason)
    if step == "closed":
        outcome = details.get("outcome")
        if outcome == "refund":
            return gettext("Return %(number)s was closed with a refund of %(amount)s.",
                           number=number, amount=money(details.get("amount"),
                                                       details.get("currency", "")))
        if outcome in ("exchange", "reship") and "replacement" not in details:
            # an order the reader's row rules hide
            return gettext("Return %(number)s was closed with an exchange order.",
                           number=number) if outcome == "exchange" else \
                gettext("Return %(number)s was closed with a re-shipment order.",
                        number=number)
        if outcome == "exchange":
            return gettext("Return %(number)s was closed with exchange order %(order)s.",
                           number=number, order=details["replacement"])
        if outcome == "reship":
            return gettext("Return %(number)s was closed with re-shipment order %(order)s.",
                           number=number, order=details["replacement"])
        return gettext("Return %(number)s was closed.", number=number)
    said = {"approved": gettext("Return %(number)s was approved."),
            "refused": gettext("Return %(number)s was refused."),
            "received": gettext("The goods of return %(number)s were received."),
            "inspected": gettext("The goods of return %(number)s were inspected.")}
    return said.get(step, gettext("Return %(number)s changed.")) % {"number": number}


# One sentence for every kind: a test renders each one in both languages.
_SENTENCES = {
    TimelineKind.CREATED: _created,
    TimelineKind.TRANSITION: _transition,
    TimelineKind.EDITED: _edited,
    TimelineKind.VERSION_MOVED: _version_moved,
    TimelineKind.APPROVAL: _approval,
    TimelineKind.APPROVAL_REQUIRED: _approval_required,
    TimelineKind.AUTOMATIC: _automatic,
    TimelineKind.AUTOMATIC_BLOCKED: _automatic_blocked,
    TimelineKind.AUTOMATIC_STOPPED: _automatic_stopped,
    TimelineKind.STOCK_RELEASED: _stock_released,
    TimelineKind.SLA_BREACHED: _sla_breached,
    TimelineKind.COMMENT: _comment,
    TimelineKind.JOB: _job,
    TimelineKind.DOCUMENT: _document,
    TimelineKind.SHIPMENT: _shipment,
    TimelineKind.TRACKING: _tracking,
    TimelineKind.CARRIER_CHOSEN: _carrier_chosen,
    TimelineKind.PAYMENT: _payment,
    TimelineKind.REFUND: _refund,
    TimelineKind.HELD: _held,
    TimelineKind.EXCEPTION: _exception,
    TimelineKind.PRICE_BELOW_LIST: _price_below_list,
    TimelineKind.SCAN: _scan,
    TimelineKind.EDIT_DIFFERENCE: _edit_difference,
    TimelineKind.AFTER_SALES: _after_sales,
    TimelineKind.PROMOTION: _promotion,
    TimelineKind.PRE_SALE: _pre_sale,
    TimelineKind.MERGED: _merged,
    TimelineKind.MERGE_UNDONE: _merge_undone,
    TimelineKind.SPLIT: _split,
}
