"""How an order reads to staff: labels in the reader's language, values formatted by
their field type on the order's own version of the form, and one sentence for each
entry of its timeline."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import request

from orderloom.designer.blueprint import Blueprint, money_places
from orderloom.runtime.orders.models import Order, OrderEvent

log = logging.getLogger(__name__)

LANGUAGES = ["en", "zh"]
TIME_FORMAT = "%Y-%m-%d %H:%M UTC"


def language() -> str:
    """English unless the browser prefers Chinese (a zh-CN preference counts as zh)."""
    return request.accept_languages.best_match(LANGUAGES) or "en"


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


def when(moment) -> str:
    return moment.strftime(TIME_FORMAT) if moment is not None else ""


class Labels:
    """The names one version of an order type gives its states, transitions and
    approvals, in the reader's language."""

    def __init__(self, blueprint: Blueprint, lang: str) -> None:
        definition = blueprint.definition
        workflow = definition["workflow"]
        self.lang = lang
        self.name = label(definition.get("name"), lang, definition.get("key", ""))
        self.currency = definition.get("currency", "")
        self.states = {s["key"]: label(s.get("label"), lang, s["key"])
                       for s in workflow["states"]}
        self.transitions = {t["key"]: label(t.get("label"), lang, t["key"])
                            for t in workflow["transitions"]}
        self.approvals = {a["key"]: label(a.get("label"), lang, _humane(a["key"]))
                          for a in workflow.get("approvals", [])}

    def state(self, key: str | None) -> str:
        return self.states.get(key, key or "?")

    def transition(self, key: str | None) -> str:
        return self.transitions.get(key, key or "?")

    def approval(self, key: str | None) -> str:
        return self.approvals.get(key, _humane(key or "?"))


def _humane(key: str) -> str:
    return key.replace("_", " ").capitalize()


# --- values -----------------------------------------------------------------------------------

def money(value: Any, currency: str = "", *, with_currency: bool = True) -> str:
    """An amount as people read it: 1,250.50 CNY. Without ``with_currency`` (a table
    with a currency column) just 1,250.50."""
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    # The currency's places always show (1,250.50 CNY, 1,250 JPY; two when the
    # currency is not known), finer amounts keep their digits.
    places = money_places(currency)
    if amount.as_tuple().exponent > -places:
        amount = amount.quantize(Decimal(1).scaleb(-places))
    amount = format(amount, ",f")
    return f"{amount} {currency}".strip() if with_currency else amount


def _option(field_spec: dict[str, Any], value: Any, lang: str) -> str:
    for option in field_spec.get("options", []):
        if option["value"] == value:
            return label(option.get("label"), lang, str(value))
    return str(value)


def format_value(field_spec: dict[str, Any], value: Any, lang: str, currency: str) -> str:
    """One field's value as text; line items are shown as a table elsewhere."""
    if value is None or value == "" or value == []:
        return ""
    kind = field_spec["type"]
    if kind == "computed":
        kind = field_spec.get("result_type", "text")
    if kind == "money":
        return money(value, field_spec.get("currency") or currency)
    if kind == "boolean":
        return "Yes" if value else "No"
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
    fields = {f["key"]: f for f in form["fields"]}
    currency = definition.get("currency", "")
    sections: list[SectionView] = []
    placed: set[str] = set()
    for section in form.get("layout", []):
        keys = [k for k in section.get("fields", []) if k in fields]
        placed.update(keys)
        views = [v for v in (_field_view(fields[k], order.data, lang, currency) for k in keys)
                 if v is not None]
        if views:
            sections.append(SectionView(label(section.get("title"), lang, ""),
                                        int(section.get("columns", 1)), views))
    rest = [v for v in (_field_view(f, order.data, lang, currency)
                        for k, f in fields.items() if k not in placed) if v is not None]
    if rest:
        sections.append(SectionView("Other fields" if sections else "", 1, rest))
    return sections


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

@dataclass
class Entry:
    at: str
    actor: str
    kind: str
    sentence: str
    body: str = ""
    notes: list[str] = field(default_factory=list)


def timeline(events: list[OrderEvent], names: Labels) -> list[Entry]:
    return [_entry(event, names) for event in events]


def _entry(event: OrderEvent, names: Labels) -> Entry:
    details = event.details or {}
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
        entry.notes.append(f"Not carried out: {skipped.get('type', '?')} "
                           f"({skipped.get('reason', '')})")
    return entry


def _created(event, details, names, entry) -> str:
    matched = [r["key"] for r in details.get("rules", []) if r.get("matched")]
    if matched:
        entry.notes.append("Rules that matched: " + ", ".join(matched))
    return (f"{event.actor_name} created the order in {names.state(event.to_state)} "
            f"(version {details.get('version', '?')}).")


def _transition(event, details, names, entry) -> str:
    changes = details.get("changes") or {}
    if changes:
        entry.notes.append("Changed: " + ", ".join(sorted(changes)))
    return (f"{event.actor_name} took “{names.transition(event.transition)}”: "
            f"{names.state(event.from_state)} → {names.state(event.to_state)}.")


def _edited(event, details, names, entry) -> str:
    changes = details.get("changes") or {}
    for key in sorted(changes):
        old, new = changes[key]
        if isinstance(old, list | dict) or isinstance(new, list | dict):
            entry.notes.append(f"{key} changed")
        else:
            entry.notes.append(f"{key}: {'—' if old in (None, '') else old} → "
                               f"{'—' if new in (None, '') else new}")
    return f"{event.actor_name} edited the order ({len(changes)} field" \
           f"{'' if len(changes) == 1 else 's'} changed)."


def _approval(event, details, names, entry) -> str:
    approval = f"“{names.approval(details.get('approval'))}”"
    outcome = details.get("outcome")
    moved = (f" The order moved from {names.state(event.from_state)} to "
             f"{names.state(event.to_state)}." if event.to_state else "")
    if outcome == "requested":
        who = ", ".join(_approver(a) for a in details.get("approvers", []))
        entry.notes.extend(details.get("notes", []))
        return f"Approval {approval} requested from {who or 'the approvers'}: " \
               f"{details.get('reason', '')}."
    if details.get("automatic"):
        return f"Approval {approval} was given automatically: {details.get('reason', '')}." \
               + moved
    if outcome == "escalated":
        return (f"Approval {approval} was escalated to the {details.get('to_role')} role "
                f"after {details.get('after_hours', '?'):g} h.")
    if outcome == "reminded":
        return f"The approvers of {approval} were reminded."
    decision = details.get("decision")
    if decision in ("approved", "rejected"):
        behalf = (f" on behalf of {details['on_behalf_of']}"
                  if details.get("on_behalf_of") else "")
        entry.body = details.get("comment") or ""
        if outcome is None:
            return f"{event.actor_name}{behalf} {decision} {approval}; other approvers " \
                   "still have to decide."
        return f"{event.actor_name}{behalf} {decision} {approval}." + moved
    return f"Approval {approval}: {outcome or 'updated'}." + moved


def _approver(approver: dict[str, Any]) -> str:
    if approver.get("role"):
        return f"the {approver['role']} role"
    return str(approver.get("user") or approver.get("username") or "?")


def _automatic(event, details, names, entry) -> str:
    why = (f"after {details['after_hours']:g} h" if "after_hours" in details
           else f"because {details.get('when', 'its condition')} became true")
    return (f"Moved automatically from {names.state(event.from_state)} to "
            f"{names.state(event.to_state)} {why}.")


def _comment(event, details, names, entry) -> str:
    entry.body = details.get("body", "")
    mentions = details.get("mentions") or []
    if mentions:
        entry.notes.append("Notified: " + ", ".join(f"@{m}" for m in mentions))
    return f"{event.actor_name} commented:"


def _job(event, details, names, entry) -> str:
    if details.get("error"):
        entry.notes.append(f"Error: {details['error']}")
    return (f"Background job “{details.get('job_kind', '?')}” {details.get('status', '?')} "
            f"(attempt {details.get('attempts', '?')}).")


def _version_moved(event, details, names, entry) -> str:
    return (f"{event.actor_name} moved the order from version {details.get('from_version')} "
            f"to version {details.get('to_version')}.")


def _sla_breached(event, details, names, entry) -> str:
    roles = ", ".join(details.get("notified_roles", []))
    return (f"The order has been in {names.state(details.get('state'))} longer than its "
            f"{details.get('sla_hours', '?'):g} h SLA; notified: {roles or 'nobody'}.")


def _approval_required(event, details, names, entry) -> str:
    return f"A rule asked for approval “{names.approval(details.get('approval'))}”."


def _automatic_blocked(event, details, names, entry) -> str:
    return (f"The automatic move “{event.transition}” could not be made: "
            f"{details.get('reason', '')}.")


def _automatic_stopped(event, details, names, entry) -> str:
    return f"Automatic moves stopped: {details.get('reason', '')}."


def _shipment(event, details, names, entry) -> str:
    return (f"{event.actor_name} created shipment {details.get('tracking_number', '?')} with "
            f"carrier {details.get('carrier', '?')}.")


def _tracking(event, details, names, entry) -> str:
    from orderloom.runtime.shipping.carriers.base import STATUS_LABELS

    status = STATUS_LABELS.get(details.get("status"), details.get("status", "?"))
    where = f" in {details['location']}" if details.get("location") else ""
    if details.get("description"):
        entry.notes.append(details["description"])
    if details.get("not_taken"):
        entry.notes.append(f"“{names.transition(details.get('transition'))}” was not taken: "
                           f"{details['not_taken']}")
    return f"Parcel {details.get('tracking_number', '?')}: {status}{where}."


def _payment(event, details, names, entry) -> str:
    if details.get("reference"):
        entry.notes.append(f"Reference {details['reference']}")
    status = details.get("payment_status", [None, None])[1] or "?"
    return (f"Payment of {money(details['amount'], details.get('currency', ''))} received "
            f"by {details.get('method', '?')}; the order is now {status.replace('_', ' ')}.")


def _refund(event, details, names, entry) -> str:
    if details.get("reason"):
        entry.notes.append(f"Reason: {details['reason']}")
    status = details.get("payment_status", [None, None])[1] or "?"
    return (f"Refund of {money(details['amount'], details.get('currency', ''))} issued; the "
            f"order is now {status.replace('_', ' ')}.")


_SENTENCES = {
    "payment": _payment,
    "refund": _refund,
    "shipment": _shipment,
    "tracking": _tracking,
    "created": _created,
    "transition": _transition,
    "edited": _edited,
    "approval": _approval,
    "approval_required": _approval_required,
    "automatic": _automatic,
    "automatic_blocked": _automatic_blocked,
    "automatic_stopped": _automatic_stopped,
    "comment": _comment,
    "job": _job,
    "version_moved": _version_moved,
    "sla_breached": _sla_breached,
}
