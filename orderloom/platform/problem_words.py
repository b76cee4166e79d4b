"""What the designer and the schema checks found wrong with a definition, said in the
reader's language.

The formula language and the designer know no languages: each problem carries an
English ``message`` and, for the kinds listed here, a ``code`` and the ``values`` of
its placeholders (designer/problems.py). A page words a coded problem with these
words; the API keeps the English ``detail``, which clients read and compare. A
problem without a code, or with one not listed, is said as it was written.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request
from flask_babel import force_locale, lazy_gettext

from orderloom.platform.i18n import reads_english

# Placeholders carry names as the formula or definition wrote them, quoted.
PROBLEM_WORDS = {
    "formula.unknown_field": lazy_gettext("unknown field %(field)s"),
    "formula.no_member": lazy_gettext("%(record)s has no field %(field)s"),
    "formula.unknown_function": lazy_gettext("unknown function %(function)s"),
    "formula.not_boolean": lazy_gettext(
        "the condition must be true or false, but it is %(type)s"),
    "formula.cannot_compare": lazy_gettext("cannot compare %(left)s and %(right)s"),
    "formula.cannot_add": lazy_gettext("cannot add %(left)s and %(right)s"),
    "formula.cannot_subtract": lazy_gettext("cannot subtract %(right)s from %(left)s"),
    "formula.cannot_multiply": lazy_gettext("cannot multiply %(left)s and %(right)s"),
    "formula.cannot_divide": lazy_gettext("cannot divide %(left)s by %(right)s"),
    "formula.cannot_remainder": lazy_gettext(
        "cannot take the remainder of %(left)s and %(right)s"),
    "formula.money_times_money": lazy_gettext("cannot multiply money and money"),
    "formula.list_holds": lazy_gettext("a list cannot hold a %(type)s"),
    "formula.list_mixes": lazy_gettext("a list cannot mix %(left)s and %(right)s"),
    "formula.compare_null": lazy_gettext(
        "comparing with NULL is always FALSE; use ISBLANK(%(field)s) instead"),
    "formula.unexpected_character": lazy_gettext("unexpected character %(character)s"),
    "formula.full_width_character": lazy_gettext(
        "unexpected character %(character)s (a full-width symbol; type it with the "
        "keyboard in English mode)"),
    "formula.ends_early": lazy_gettext("the formula ends too early; expected %(expected)s"),
    "formula.unexpected": lazy_gettext("unexpected %(token)s; expected %(expected)s"),
    "formula.chained_comparison": lazy_gettext(
        "unexpected %(token)s; comparisons cannot be chained, join them with AND"),
    "formula.empty": lazy_gettext("the formula is empty"),
    "formula.too_deep": lazy_gettext(
        "the formula is nested too deeply (more than %(most)s levels)"),
    "formula.result_type": lazy_gettext(
        "the formula gives %(type)s but the field needs %(needed)s"),
    "formula.arity": lazy_gettext("%(function)s expects %(count)s arguments, got %(got)s"),
    "formula.arity_at_least": lazy_gettext(
        "%(function)s expects at least %(least)s arguments, got %(got)s"),
    "formula.arity_between": lazy_gettext(
        "%(function)s expects %(least)s to %(most)s arguments, got %(got)s"),
    "formula.argument": lazy_gettext(
        "%(function)s expects %(kinds)s as argument %(position)s, got %(type)s"),
    "formula.argument_or_list": lazy_gettext(
        "%(function)s expects %(kinds)s (or a list of them) as argument %(position)s, got "
        "%(type)s"),
    "formula.mixed_results": lazy_gettext(
        "%(function)s gives %(left)s in one case and %(right)s in another; all results "
        "must have the same type"),
    "formula.ifs_pairs": lazy_gettext("IFS expects pairs of condition and value"),
    "formula.numbers_and_dates": lazy_gettext("%(function)s cannot mix numbers and dates"),
    "formula.cannot_negate": lazy_gettext("cannot negate %(type)s"),
    "formula.cannot_join": lazy_gettext("cannot join %(left)s and %(right)s with &"),
    "formula.cannot_order": lazy_gettext("cannot order %(left)s and %(right)s with %(op)s"),
    "formula.needs_list": lazy_gettext("%(op)s needs a list on the right, got %(type)s"),
    "formula.look_for_list": lazy_gettext("cannot look for %(type)s in a list"),
    "formula.not_a_record": lazy_gettext("%(record)s is %(type)s, not a record"),
    "definition.no_field": lazy_gettext("there is no field %(name)s"),
    "definition.no_column": lazy_gettext("there is no column %(name)s"),
    "definition.no_approval": lazy_gettext("there is no approval %(name)s"),
    "definition.no_state": lazy_gettext("there is no state %(name)s"),
    "definition.no_role": lazy_gettext(
        "there is no role %(name)s; create it under Roles or list it in the package's roles"),
    "definition.no_user": lazy_gettext("there is no user %(name)s"),
    "definition.role_not_user": lazy_gettext(
        "%(name)s is a role, not a user: tick it under the approver roles instead"),
    "definition.key_twice": lazy_gettext("the key %(key)s is used twice (first at %(first)s)"),
    "value.required": lazy_gettext("is required"),
    "value.not_an_option": lazy_gettext("%(value)s is not one of the options (%(options)s)"),
    "value.choose_from": lazy_gettext("choose from %(options)s"),
    "value.at_least": lazy_gettext("must be at least %(bound)s"),
    "value.at_most": lazy_gettext("must be at most %(bound)s"),
    "value.text": lazy_gettext("must be text"),
    "value.form": lazy_gettext("does not have the required form"),
    "value.email": lazy_gettext("is not an email address"),
    "value.longest": lazy_gettext("must be at most %(bound)s characters"),
    "value.boolean": lazy_gettext("must be true or false"),
    "value.date": lazy_gettext("must be a date like 2026-11-25"),
    "value.datetime": lazy_gettext("must be a date and time like 2026-11-25T09:30:00+08:00"),
    "value.no_product": lazy_gettext("no product %(sku)s"),
    "value.not_a_number": lazy_gettext("must be a number"),
    "value.far_too_large": lazy_gettext("is far too large"),
    "value.not_finite": lazy_gettext("must be a finite number, not NaN or Infinity"),
    "value.too_many_digits": lazy_gettext("has too many digits"),
    "value.digits_0_9": lazy_gettext("%(text)s must be written with the digits 0-9"),
    "value.exponent": lazy_gettext(
        "%(text)s must be written out as a plain decimal, without an exponent"),
    "value.quantity_range": lazy_gettext("must be between -%(bound)s and %(bound)s"),
    "value.whole": lazy_gettext("must be a whole number"),
    "value.money_too_large": lazy_gettext(
        "is larger than a money amount may be (at most %(digits)s digits before the "
        "decimal point)"),
    "value.number_too_large": lazy_gettext(
        "is larger than a number may be (at most %(digits)s digits before the decimal "
        "point)"),
    "value.currency_places": lazy_gettext(
        "%(currency)s has %(places)s decimal places; %(number)s has more"),
    "value.places": lazy_gettext("has more than %(places)s decimal places"),
    "value.data_object": lazy_gettext("the order data must be an object"),
    "value.not_a_field": lazy_gettext("is not a field of this order type"),
    "value.line_object": lazy_gettext("each line must be an object"),
    "value.not_a_column": lazy_gettext("is not a column of %(field)s"),
    "value.not_yours": lazy_gettext("you may not change this field"),
    "value.not_yours_column": lazy_gettext("you may not change this column"),
    "definition.computed_required": lazy_gettext(
        "a computed field is never entered, so it cannot be required"),
    "definition.default_not_an_option": lazy_gettext(
        "the default %(value)s is not one of the options"),
    "definition.min_above_max": lazy_gettext("min (%(low)s) is greater than max (%(high)s)"),
    "definition.bad_pattern": lazy_gettext("not a valid pattern: %(why)s"),
    "definition.escalation_half": lazy_gettext(
        "an escalation needs both the hours to wait and the role to escalate to"),
    "definition.placed_twice": lazy_gettext(
        "field %(key)s is placed twice (also at %(first)s)"),
    "schema.empty": lazy_gettext("is empty; fill it in"),
    "schema.required": lazy_gettext("%(member)s is required"),
    "schema.enum": lazy_gettext("must be one of %(choices)s"),
    "schema.pattern": lazy_gettext("%(value)s does not have the required form"),
    "schema.minLength": lazy_gettext("is shorter than %(bound)s characters"),
    "schema.maxLength": lazy_gettext("is longer than %(bound)s characters"),
    "schema.minimum": lazy_gettext("must be at least %(bound)s"),
    "schema.maximum": lazy_gettext("must be at most %(bound)s"),
    "schema.minItems": lazy_gettext("needs at least %(bound)s entries"),
    "schema.maxItems": lazy_gettext("may have at most %(bound)s entries"),
    "schema.type": lazy_gettext("%(value)s is not of the type %(bound)s"),
    "schema.exclusiveMinimum": lazy_gettext("must be greater than %(bound)s"),
    "schema.minProperties": lazy_gettext("needs at least %(bound)s members"),
    "schema.additionalProperties": lazy_gettext("unknown member %(members)s"),
    "schema.const": lazy_gettext("must be %(value)s"),
    "schema.uniqueItems": lazy_gettext("lists the same entry twice"),
    "schema.format": lazy_gettext("%(value)s is not a valid %(format)s"),
    "schema.unknown_here": lazy_gettext("is not a known field here"),
    "schema.other": lazy_gettext("does not fit here (%(why)s)"),
    # Formulas: the rarer mistakes.
    "formula.address_part": lazy_gettext(
        "ADDRESSPART: the part must be one of %(parts)s, not %(part)s"),
    "formula.unsafe_pattern": lazy_gettext("%(function)s: %(why)s"),
    "formula.attribute_in_quotes": lazy_gettext(
        "%(function)s: write the attribute as text in quotes, such as %(example)s"),
    "formula.no_attribute": lazy_gettext(
        "%(function)s has no attribute %(attribute)s; use one of %(known)s"),
    "formula.needs_lines": lazy_gettext(
        "%(function)s expects line items as argument 1, got %(type)s"),
    "formula.argument_values": lazy_gettext(
        "%(function)s expects single values or lists of them as argument %(position)s, got "
        "%(type)s"),
    "formula.weekend_argument": lazy_gettext(
        "%(function)s expects a weekend number or a text such as \"0000011\" as argument 3, "
        "got %(type)s"),
    "formula.argument_list": lazy_gettext(
        "%(function)s expects a list (such as a table's column) as argument %(position)s, "
        "got %(type)s"),
    "formula.lookup_values": lazy_gettext(
        "%(function)s looks values up in a list of single values, got %(type)s"),
    "formula.lookup_mismatch": lazy_gettext(
        "%(function)s cannot look for %(type)s in a list of %(right)s"),
    "formula.not_text": lazy_gettext("a formula must be text"),
    "formula.too_long": lazy_gettext(
        "the formula is too long (%(length)s characters, at most %(most)s)"),
    "formula.setup": lazy_gettext("the formula cannot be checked: %(why)s"),
    # Definitions: the form.
    "definition.type_twice": lazy_gettext(
        "order type %(key)s appears twice (first at %(first)s)"),
    "definition.type_exists": lazy_gettext(
        "an order type %(key)s exists already; import it under another key or replace it"),
    "definition.type_key_form": lazy_gettext(
        "an order type needs a key of lower-case letters, digits and _, starting with a "
        "letter"),
    "definition.not_an_object": lazy_gettext("a definition is a JSON object"),
    "definition.key_fixed": lazy_gettext(
        "the key of an order type cannot change (it is %(key)s); export and import it under "
        "a new key instead"),
    "definition.table_key_taken": lazy_gettext(
        "look-up table key %(key)s is already the name of a field; formulas could not tell "
        "them apart"),
    "definition.cell_type": lazy_gettext("must be %(type)s"),
    "definition.lines_in_lines": lazy_gettext("line items cannot hold line items"),
    "definition.formula_not_computed": lazy_gettext(
        "only computed fields have a formula; this field is %(kind)s"),
    "definition.options_not_choice": lazy_gettext(
        "only choice fields have options; this field is %(kind)s"),
    "definition.columns_not_lines": lazy_gettext(
        "only line items have columns; this field is %(kind)s"),
    "definition.currency_not_money": lazy_gettext(
        "only money fields have a currency; this field is %(kind)s"),
    "definition.computed_circle": lazy_gettext(
        "computed fields depend on each other in a circle: %(names)s"),
    "definition.edit_unseen": lazy_gettext(
        "role %(role)s may change this field but not see it; add it to who may see it too"),
    "definition.label_twice": lazy_gettext(
        "field %(first)s already has the label %(label)s; give this one a label staff can "
        "tell apart"),
    "definition.no_meaning": lazy_gettext(
        "%(meaning)s is not a meaning this field can have; it can be %(meanings)s"),
    "definition.meaning_type": lazy_gettext(
        "a field that means %(meaning)s is one of %(kinds)s; this one is %(kind)s"),
    "definition.meaning_twice": lazy_gettext(
        "%(first)s already means %(meaning)s; one field per meaning"),
    "definition.option_twice": lazy_gettext("option %(value)s is listed twice"),
    "definition.no_bound": lazy_gettext("a %(kind)s field has no %(bound)s"),
    "definition.no_pattern": lazy_gettext("a %(kind)s field has no pattern"),
    "definition.total_not_money": lazy_gettext(
        "the total must be a money field; %(key)s is %(kind)s"),
    "definition.computed_set": lazy_gettext("%(field)s is computed; its formula sets it"),
    "definition.carrier_field_type": lazy_gettext(
        "%(field)s is a %(kind)s field; the carrier's code comes from a choice or text field"),
    # Definitions: the workflow.
    "definition.start_category": lazy_gettext(
        "a start state cannot be %(category)s: an order cannot begin cancelled or returned; "
        "choose one of %(allowed)s"),
    "definition.terminal_category": lazy_gettext(
        "a terminal state cannot be %(category)s: a terminal state ends the order, so it is "
        "neither open work nor on its way; choose one of %(allowed)s"),
    "definition.one_start": lazy_gettext(
        "there must be exactly one start state; found %(count)s %(states)s"),
    "definition.no_terminal": lazy_gettext(
        "there is no terminal state, so no order could ever be finished"),
    "definition.leaves_terminal": lazy_gettext(
        "%(state)s is a terminal state; nothing may leave it"),
    "definition.unreachable": lazy_gettext(
        "state %(state)s cannot be reached from the start state %(start)s"),
    "definition.stuck": lazy_gettext(
        "from state %(state)s no terminal state can be reached; orders would be stuck there"),
    "definition.when_or_timer": lazy_gettext(
        "an automatic transition needs exactly one of a condition and a timer"),
    "definition.nothing_to_count": lazy_gettext(
        "time_counts needs a timer to count: %(timers)s"),
    "definition.whole_business_days": lazy_gettext(
        "%(value)s is not a whole number of business days"),
    "definition.timer_hours": lazy_gettext(
        "%(value)s is longer than a timer may wait: at most %(most)s hours (10 years)"),
    "definition.timer_business_hours": lazy_gettext(
        "%(value)s is longer than a timer may wait: at most %(most)s business hours"),
    "definition.timer_business_days": lazy_gettext(
        "%(value)s is longer than a timer may wait: at most %(most)s business days"),
    "definition.no_warehouse": lazy_gettext("there is no warehouse %(name)s"),
    "definition.no_transition": lazy_gettext("there is no transition %(name)s"),
    "definition.cells_and_inputs": lazy_gettext(
        "the row has %(cells)s condition cells but the table has %(inputs)s inputs"),
    "definition.regions_needed": lazy_gettext("the region strategy needs a regions table"),
    "definition.template_error": lazy_gettext(
        "template error on line %(line)s: %(why)s"),
    "definition.template_too_deep": lazy_gettext(
        "template error: the template nests too deeply"),
    # Definitions: who may do what.
    "definition.publisher_lacks": lazy_gettext(
        "publishing this needs the permission %(permissions)s, which you do not hold; ask "
        "someone who does to publish it"),
    "definition.access_nobody": lazy_gettext(
        "%(rule)s names no role and no user, so nobody at all could reach these orders this "
        "way; name who may, or leave it out to let everyone whose permissions allow it"),
    "definition.role_unseen": lazy_gettext(
        "%(name)s may not see orders of this type, so %(rule)s cannot let it in either; add "
        "it to access.see too"),
    "definition.user_unseen": lazy_gettext(
        "%(name)s may not see orders of this type, so %(rule)s cannot let them in either; "
        "add them to access.see too"),
    "definition.role_cannot_act": lazy_gettext(
        "the role %(name)s is named here, but the type's access.act (or see) does not let "
        "it act on these orders; add it to access.act (and see) or take it out here"),
    "definition.approver_cannot_act": lazy_gettext(
        "%(name)s approves here, but the type's access.act (or see) names neither them nor "
        "any role they hold; add them to access.act (and see) or take them out here"),
    # Entered values.
    "value.result_not_finite": lazy_gettext("the result is not a finite number"),
    "value.result_money_too_large": lazy_gettext(
        "the result is larger than a money amount may be (at most %(digits)s digits before "
        "the decimal point)"),
    "value.result_number_too_large": lazy_gettext(
        "the result is larger than a number may be (at most %(digits)s digits before the "
        "decimal point)"),
    "value.check_failed": lazy_gettext("the validation formula failed: %(why)s"),
    # The designer's own message for a failed check: already in the reader's language.
    "value.designers_words": lazy_gettext("%(message)s"),
    "value.lines_list": lazy_gettext("must be a list of lines"),
    "value.object": lazy_gettext("must be an object"),
}

# The advice a formula problem's ``advice`` value names.
ADVICE_WORDS = {
    "adddays": lazy_gettext("use ADDDAYS(date, days)"),
    "days": lazy_gettext("use DAYS(end, start) or ADDDAYS(date, -days)"),
    "ampersand": lazy_gettext("join text with &"),
    "add_user": lazy_gettext("add the person under Users first"),
}

# What may come next in a formula, by the codes of its ``expected`` value.
EXPECTED_WORDS = {
    "field": lazy_gettext("a field name"),
    "value": lazy_gettext("a value (a number, text in quotes, a field or a function)"),
    "operator": lazy_gettext("an operator (+, =, AND ...)"),
    "end": lazy_gettext("the end of the formula"),
    "other": lazy_gettext("something else"),
}

# What a function's argument must be, by the codes of its ``kinds`` value.
KIND_WORDS = {
    "number": lazy_gettext("a number"), "text": lazy_gettext("text"),
    "date": lazy_gettext("a date"), "boolean": lazy_gettext("TRUE or FALSE"),
    "scalar": lazy_gettext("a single value"),
}

# The formula language's types, as its messages name them.
TYPE_WORDS = {
    "number": lazy_gettext("a number"), "integer": lazy_gettext("a whole number"),
    "money": lazy_gettext("money"), "text": lazy_gettext("text"),
    "boolean": lazy_gettext("true or false"), "date": lazy_gettext("a date"),
    "datetime": lazy_gettext("a date and time"), "null": lazy_gettext("empty"),
    "record": lazy_gettext("a record"),
}

# What went wrong while a formula ran (dsl/errors.py), by the fault's kind or, for a
# fault without one, its class (Excel's error value).
FAULT_WORDS = {
    "division_by_zero": lazy_gettext("division by zero"),
    "not_defined": lazy_gettext("the number is too large or not defined"),
    "too_complex": lazy_gettext("the formula is too complex to evaluate"),
    "data_does_not_fit": lazy_gettext("the order's data does not fit the formula"),
    "too_many_steps": lazy_gettext("the formula needs more than %(most)s steps"),
    "not_a_number": lazy_gettext("“%(text)s” is not a number"),
    "not_a_date": lazy_gettext("“%(text)s” is not a date such as 2024-05-03"),
    "not_found": lazy_gettext("%(function)s: “%(value)s” is not in the look-up list"),
    "nothing_matches": lazy_gettext("%(function)s: no line meets the conditions"),
    "no_numbers": lazy_gettext("%(function)s: there are no numbers"),
    "date_out_of_range": lazy_gettext(
        "%(function)s: the date is outside the years 1 to 9999"),
    "number_too_large": lazy_gettext("the number is too large"),
    "not_whole": lazy_gettext("%(number)s is not a whole number"),
    "text_too_long": lazy_gettext("the text would be longer than %(most)s characters"),
    "wrong_kind": lazy_gettext("%(function)s should be %(needed)s, got %(type)s"),
    "class.value": lazy_gettext("a value has the wrong type or form (#VALUE!)"),
    "class.div0": lazy_gettext("division by zero (#DIV/0!)"),
    "class.num": lazy_gettext("a number is outside what the function accepts (#NUM!)"),
    "class.na": lazy_gettext("the value looked for is not there (#N/A)"),
    "class.budget": lazy_gettext("the formula needs more work than a formula may do"),
}
# Why a template does not compile (designer/template_reasons.py), by its ``reason``.
TEMPLATE_WORDS = {
    "unclosed_block": lazy_gettext(
        "the template ends before the %(block)s block is closed; expected %(tags)s"),
    "wrong_end": lazy_gettext(
        "%(tag)s does not close the %(block)s block; expected %(tags)s"),
    "unknown_tag": lazy_gettext("unknown tag %(tag)s"),
    "ends_early": lazy_gettext("the template ends too early; expected %(wanted)s"),
    "unexpected_char": lazy_gettext("unexpected character %(character)s"),
    "expected_token": lazy_gettext("expected %(wanted)s, got %(got)s"),
    # While it renders (template_reasons.render_reason).
    "undefined": lazy_gettext("%(name)s is not defined"),
    "no_attribute": lazy_gettext("there is no %(name)s here"),
    "division_by_zero": lazy_gettext("division by zero"),
    "cannot_combine": lazy_gettext("cannot combine %(left)s and %(right)s"),
    "cannot_compare": lazy_gettext("cannot compare %(left)s and %(right)s with %(op)s"),
    "not_a_number": lazy_gettext("%(text)s is not a number"),
    "wrong_type": lazy_gettext(
        "a value has the wrong type for what the template does with it (a filter or an "
        "operator)"),
}
FORMULA_FAILED = lazy_gettext(
    "the formula %(source)s failed at line %(line)s, column %(column)s: %(why)s")

DID_YOU_MEAN = lazy_gettext("%(problem)s; did you mean %(suggestion)s?")
WITH_ADVICE = lazy_gettext("%(problem)s; %(advice)s")
EITHER = lazy_gettext("%(first)s or %(second)s")


def _type(name: str) -> str:
    if name.startswith("list of "):
        return str(lazy_gettext("a list of %(element)s", element=_type(name[len("list of "):])))
    words = TYPE_WORDS.get(name)
    return str(words) if words is not None else name


def _expected(codes: str, words: Mapping[str, Any] = EXPECTED_WORDS) -> str:
    said = [str(words[c]) if c in words else f"'{c}'" for c in codes.split()]
    if not said:
        return str(EXPECTED_WORDS["other"])
    text = said[-1]
    for earlier in reversed(said[:-1]):
        text = str(EITHER) % {"first": earlier, "second": text}
    return text


def _worded(words: Any, said: Mapping[str, Any], message: str) -> str:
    """``words`` filled from ``said``; ``message`` when there are no words, or when a
    translation lost one of their placeholders."""
    if words is None:
        return message
    try:
        return str(words) % said
    except (KeyError, TypeError, ValueError):
        return message


def _fault(said: Mapping[str, str], message: str) -> str:
    return _worded(FAULT_WORDS.get(said["fault"]), said, message)


def fault_reason(described: Mapping[str, Any], message: str) -> str:
    """Why a formula failed while it ran, from what its fault ``described`` (kept with
    a refusal or a timeline entry), in the reader's language; ``message`` (English)
    for an English reader."""
    if reads_english() or "fault" not in described:
        return message
    said = {key: str(value) for key, value in described.items() if value is not None}
    for key in ("type", "needed"):
        if key in said:
            said[key] = _type(said[key])
    return _fault(said, message)


def fault_why(fault: Any) -> str:
    """Why a formula failed while it ran (a ``dsl.FormulaFault``), in the reader's
    language."""
    return fault_reason(fault.described, fault.message)


def fault_text(fault: Any) -> str:
    """A failed formula with its place, as ``str(fault)`` says it, in the reader's
    language."""
    if reads_english():
        return str(fault)
    return str(FORMULA_FAILED) % {"source": repr(fault.source), "line": fault.line,
                                  "column": fault.column, "why": fault_why(fault)}


def template_why(said: Mapping[str, Any], message: str) -> str:
    """Why a template does not compile or fails while it renders, by its ``reason``
    (designer/template_reasons.py), in the reader's language; ``message`` when the
    reason has no words here."""
    return _worded(TEMPLATE_WORDS.get(str(said.get("reason", ""))), said, message)


def stored_fault_text(stored: Mapping[str, Any]) -> str:
    """A formula's fault kept in an order's data (designer/blueprint.py ``to_json``) in
    the reader's language; its English ``error`` for an English reader, and as it is
    for a fault kept before its kind was (``{"error": text}`` only)."""
    error = str(stored.get("error", ""))
    described, refused = stored.get("described"), stored.get("refused")
    if reads_english() or not isinstance(stored.get("line"), int):
        return error
    if isinstance(described, Mapping) and "fault" in described:
        why = fault_reason(described, "")
    elif isinstance(refused, str) and isinstance(stored.get("values"), Mapping):
        why = problem_text(refused, "", stored["values"])
    else:
        return error
    if not why:
        return error
    return str(FORMULA_FAILED) % {"source": repr(stored.get("source", "")),
                                  "line": stored["line"], "column": stored.get("column", 1),
                                  "why": why}


def problem_text(code: str | None, message: str, values: Mapping[str, Any]) -> str:
    """The words of a coded problem in the reader's language; ``message`` (English) for
    an English reader and for a problem whose code has no words here."""
    words = PROBLEM_WORDS.get(code or "")
    if words is None or reads_english():
        return message
    said = {key: str(value) for key, value in values.items() if value is not None}
    for key in ("type", "left", "right", "needed"):
        if key in said:
            said[key] = _type(said[key])
    if "expected" in said:
        said["expected"] = _expected(said["expected"])
    if "kinds" in said:
        said["kinds"] = _expected(said["kinds"], KIND_WORDS)
    if "fault" in said:  # a formula that failed while it ran: why, in these words
        said["why"] = _fault(said, said.get("why", ""))
    if said.get("reason") in TEMPLATE_WORDS:  # a template that does not compile
        said["why"] = template_why(said, said.get("why", ""))
    try:
        text = str(words) % said
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
        return message
    if said.get("advice") in ADVICE_WORDS:
        text = str(WITH_ADVICE) % {"problem": text, "advice": ADVICE_WORDS[said["advice"]]}
    if said.get("suggestion"):
        text = str(DID_YOU_MEAN) % {"problem": text, "suggestion": said["suggestion"]}
    return text


def said_to_a_person() -> bool:
    """Whether this request comes from a page (the session's cookie), whose reader gets
    problems in their language, rather than from an integration's API token, which
    keeps the English it reads and compares."""
    return "Authorization" not in request.headers


def problems_json(problems: Any) -> list[dict[str, object]]:
    """``problems`` (DefinitionProblems) as an answer's ``errors``: their details in the
    reader's language for a page's request, in English for the API's clients."""
    if not said_to_a_person() or reads_english():
        return [p.as_json() for p in problems]
    return [problem_json(p) for p in problems]


def problem_json(problem: Any) -> dict[str, object]:
    """One DefinitionProblem as JSON, its detail in the reader's language."""
    return {**problem.as_json(),
            "detail": problem_text(problem.code, problem.message, problem.values)}


def dry_run_language(language: str) -> Any:
    """Words a dry run's faults and problems in ``language`` (the designer's own, which
    its request names) for a page; in English for the API's clients."""
    return force_locale(language if said_to_a_person() else "en")
