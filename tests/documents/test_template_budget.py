"""Print templates and notify messages render under a budget: whatever a designer
writes, a render ends quickly with an error saying what was asked for, and the pages
it makes can neither redirect nor script the staff page showing them. Templates that
behave render exactly as they did before the budget."""
from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jinja2 import ChainableUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from orderloom.designer.validation import Context, validate_order_type
from orderloom.runtime import template_sandbox
from orderloom.runtime.documents import barcodes
from orderloom.runtime.documents.defaults import DEFAULTS
from orderloom.runtime.documents.page_safety import neutralised
from orderloom.runtime.documents.print_templates import TemplateProblem, render
from orderloom.runtime.notify.order_messages import MessageTemplateProblem
from orderloom.runtime.notify.order_messages import render as render_message
from orderloom.runtime.template_sandbox import MAX_STEPS, MAX_VALUE
from tests.designer.samples import retail
from tests.templates.samples import TEMPLATE_KEYS, sample

ROOT = Path(__file__).resolve().parents[2]
ORDER = {"number": "SO-000001", "data": {"items": [{"sku": "A"}]}, "lines": []}
TOO_BIG = f"more than the {MAX_VALUE} allowed"

# name -> (template, what the error says). Each would take seconds to hours, or
# gigabytes, without the budget.
HOSTILE = {
    "chained powers": ("{{ 10 ** 100 ** 100 }}", "digits"),
    "a power too high": ("{{ 2 ** 1000 }}", "power 1000"),
    "powers of powers": ("{{ (((10 ** 100) ** 100) ** 100) ** 100 }}", "digits"),
    "squaring in a loop": ("{% set ns = namespace(n=3) %}{% for i in range(100) %}"
                           "{% set ns.n = ns.n * ns.n %}{% endfor %}", "digits"),
    "nested empty loops": ("{% for a in range(100000) %}{% for b in range(100000) %}"
                           "{% endfor %}{% endfor %}", f"more than {MAX_STEPS} steps"),
    "loops over a list": ("{% set l = range(100000)|list %}{% for a in l %}{% for b in l %}"
                          "{% endfor %}{% endfor %}", f"more than {MAX_STEPS} steps"),
    "slow steps": ("{% for i in range(100000) %}{{ (range(100000)|list|sort(reverse=true))[0] }}"
                   "{% endfor %}", "longer than 1 seconds"),
    "ljust": ("{{ 'x'.ljust(500000000) }}", TOO_BIG),
    "rjust": ("{{ 'x'.rjust(500000000) }}", TOO_BIG),
    "center": ("{{ 'x'.center(500000000) }}", TOO_BIG),
    "center filter": ("{{ 'x'|center(500000000) }}", TOO_BIG),
    "zfill": ("{{ '1'.zfill(10 ** 9) }}", TOO_BIG),
    "to_bytes": ("{{ (1).to_bytes(10 ** 9, 'big') }}", TOO_BIG),
    "expandtabs": ("{{ ('\t' * 100000).expandtabs(100000) }}", TOO_BIG),
    "format filter": ("{{ '%0500000000d'|format(1) }}", TOO_BIG),
    "percent": ("{{ '%0500000000d' % 1 }}", TOO_BIG),
    "percent star": ("{{ '%0*d' % (500000000, 1) }}", TOO_BIG),
    "str.format": ("{{ '{:>500000000}'.format(1) }}", TOO_BIG),
    "str.format nested": ("{{ '{:>{}}'.format(1, 500000000) }}", "width from a value"),
    "string multiplication": ("{{ 'x' * 500000000 }}", TOO_BIG),
    "list multiplication": ("{{ [1, 2] * 500000000 }}", TOO_BIG),
    "huge range": ("{{ range(10 ** 9)|list|length }}", "Range too big"),
    "recursive macro": ("{% macro m(n) %}{{ m(n) }}{{ m(n) }}{% endmacro %}{{ m(1) }}",
                        "RecursionError"),
    "recursive loop": ("{% for x in [1] recursive %}{{ loop([1, 2]) }}{% endfor %}",
                       "RecursionError"),
    "long join": ("{% set s = 'x' * 100000 %}{{ ([s] * 100000)|join }}", TOO_BIG),
    "join method": ("{{ ','.join(['x' * 100000] * 100000) }}", TOO_BIG),
    "joins in a loop": ("{% set l = range(100000)|list %}{% for i in l %}{{ l|join(',') }}"
                        "{% endfor %}", TOO_BIG),
    "doubling with ~": ("{% set ns = namespace(s='xx') %}{% for i in range(60) %}"
                        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}", TOO_BIG),
    "doubling with +": ("{% set ns = namespace(s='xx') %}{% for i in range(60) %}"
                        "{% set ns.s = ns.s + ns.s %}{% endfor %}", TOO_BIG),
    "replace": ("{{ ('x' * 100000)|replace('x', 'x' * 100000) }}", TOO_BIG),
    "replace method": ("{{ ('x' * 100000).replace('x', 'x' * 100000) }}", TOO_BIG),
    "indent": ("{{ ('\\n' * 100000)|indent(100000) }}", TOO_BIG),
    "batch": ("{{ [1]|batch(10 ** 9, 'x')|list }}", TOO_BIG),
    "slice": ("{{ [1]|slice(10 ** 9)|list }}", TOO_BIG),
    "sum of lists": ("{% set l = [[0] * 100000] * 100000 %}{{ l|sum(start=[])|length }}",
                     TOO_BIG),
    "map to a filter": ("{{ ['x']|map('center', 10 ** 9)|list }}", TOO_BIG),
    "lipsum": ("{{ lipsum(10 ** 7) }}", "lipsum() writes at most"),
    "deep nesting": ("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", "nests too deeply"),
    "deeply nested loops": ("{% for a in [1] %}" * 500 + "{% endfor %}" * 500,
                            "nests too deeply"),
}


# Each of these, run to its end, takes minutes to hours or gigabytes; the budget stops
# it within a second (the time limit) or at once (steps and sizes). Two seconds unloaded;
# the bound leaves room for a loaded machine's slower wall clock without letting a
# template that escaped its budget pass.
ENDS_WITHIN = 5


def time_allowed(reason: str, monkeypatch: pytest.MonkeyPatch) -> float:
    """The bound for a template of `reason`. One that the step limit stops gets time
    enough that the steps, not the clock, stop it at any load: a million steps take
    half a second on a quiet machine and several on a busy one."""
    if "steps" in reason:
        monkeypatch.setattr(template_sandbox, "MAX_SECONDS", 60.0)
        return 60.0
    return ENDS_WITHIN


@pytest.mark.parametrize(("template", "reason"), HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_print_template_ends_quickly_with_a_clear_error(template, reason, monkeypatch,
                                                                  heap_of_a_server):
    allowed = time_allowed(reason, monkeypatch)
    start = time.perf_counter()
    with pytest.raises(TemplateProblem) as refused:
        render("bomb", template, {"order": ORDER})
    assert time.perf_counter() - start < allowed
    assert reason in str(refused.value)
    # The line, but for a time or output limit noticed between two lines.
    assert re.match(r"print template 'bomb'(, line 1)?: ", str(refused.value))


@pytest.mark.parametrize(("template", "reason"), HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_notify_template_is_refused_the_same_way(template, reason, monkeypatch,
                                                           heap_of_a_server):
    allowed = time_allowed(reason, monkeypatch)
    start = time.perf_counter()
    with pytest.raises(MessageTemplateProblem) as refused:
        render_message(template, ORDER)
    assert time.perf_counter() - start < allowed
    assert reason in str(refused.value)
    assert re.match(r"the notify action's template(, line 1)?: ", str(refused.value))


def test_the_output_of_a_render_is_bounded():
    many = "{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}"
    with pytest.raises(TemplateProblem, match="the output grew beyond 5000000 characters"):
        render("long", many, {"order": ORDER})
    # A notification is a message, not a document: 100,000 characters at most, where
    # the same loop made a 20 MB notification before.
    with pytest.raises(MessageTemplateProblem,
                       match="the output grew beyond 100000 characters"):
        render_message("{% for i in range(20000) %}{{ 'x' * 1000 }}{% endfor %}", ORDER)


def test_what_stays_within_the_budget_still_works():
    source = ("{% set l = range(1000)|list %}{{ l|join(',')|length }} {{ 2 ** 100 }} "
              "{{ 'x'.ljust(5, '.') }} {{ '%05d'|format(42) }} {{ '{:>4}'.format(7) }} "
              "{{ ('a' ~ 'b') * 3 }} {% macro m(n) %}{% if n %}{{ m(n - 1) }}{{ n }}{% endif %}"
              "{% endmacro %}{{ m(5) }} {{ [1, 2]|batch(1)|list|length }}")
    assert render("fine", source, {"order": ORDER}) == (
        "3889 1267650600228229401496703205376 x.... 00042    7 ababab 12345 2")


def _previous(source: str, context: dict) -> str:
    """How print templates rendered before the budget: Jinja2's immutable sandbox."""
    environment = ImmutableSandboxedEnvironment(autoescape=True, undefined=ChainableUndefined)
    return environment.from_string(source).render(**context)


def _builtin_print_templates() -> list[tuple[str, str, str]]:
    found = [(f"default {kind}", "retail", source) for kind, source in DEFAULTS.items()]
    for path in sorted((ROOT / "builtin_templates").glob("*.json")):
        for order_type in json.loads(path.read_text(encoding="utf-8")).get("order_types", []):
            found += [(f"{path.stem} {t['key']}", path.stem, t["template"])
                      for t in order_type.get("print_templates", [])]
    return found


@pytest.mark.parametrize(("name", "template_key", "source"), _builtin_print_templates(),
                         ids=[name for name, _k, _s in _builtin_print_templates()])
def test_the_built_in_print_templates_render_as_they_did(name, template_key, source):
    assert template_key in TEMPLATE_KEYS
    data = sample(template_key)["data"]
    lines = [{**line, "sku": line.get("sku") or line.get("product"), "quantity":
              line.get("qty") or line.get("quantity"), "name": "Tea 龙井", "bin": "B-1",
              "barcode": None}
             for key, value in data.items() if isinstance(value, list)
             for line in value if isinstance(line, dict)]
    when = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    order = {"number": "SO-000042", "order_type": "x", "version": 1, "state": "new",
             "data": data, "tags": ["vip"], "channel": "web", "warehouse": "HZ",
             "created_at": when, "lines": lines}
    batch = {"warehouse": {"code": "HZ", "name": "Hangzhou"}, "orders": ["SO-000042"],
             "total_units": 3, "printed_at": when,
             "lines": [{**line, "order": "SO-000042"} for line in lines]}
    context = {"order": order, "batch": batch, "barcode": barcodes.code128_svg,
               "qr": barcodes.qr_svg}
    rendered = render(name, source, context)
    assert rendered == _previous(source, context)
    assert "SO-000042" in rendered


@pytest.mark.parametrize(("html", "safe"), [
    ('<meta http-equiv="refresh" content="0;url=https://evil.example/login"><p>Slip</p>',
     '&lt;meta http-equiv="refresh" content="0;url=https://evil.example/login"><p>Slip</p>'),
    ("<META HTTP-EQUIV=Refresh CONTENT='0; URL=//evil.example'><p>Slip</p>",
     "&lt;META HTTP-EQUIV=Refresh CONTENT='0; URL=//evil.example'><p>Slip</p>"),
    ("<meta/http-equiv=refresh content=0;url=//evil.example>", "&lt;meta/http-equiv=refresh "
                                                               "content=0;url=//evil.example>"),
    ('<base href="https://evil.example/"><a href="x">x</a>',
     '&lt;base href="https://evil.example/"><a href="x">x</a>'),
    ("<p>a</p><script>location='https://evil.example'</script>",
     "<p>a</p>&lt;script>location='https://evil.example'</script>"),
    ("<iframe\nsrc=//evil.example></iframe><object data=x></object><embed src=x>",
     "&lt;iframe\nsrc=//evil.example></iframe>&lt;object data=x></object>&lt;embed src=x>"),
    ('<form action="https://evil.example/login"><input name="password"></form>',
     '&lt;form action="https://evil.example/login"><input name="password"></form>'),
    ('<link rel="stylesheet" href="//evil.example/x.css">',
     '&lt;link rel="stylesheet" href="//evil.example/x.css">'),
    ("<p>Unclosed <script", "<p>Unclosed &lt;script"),
    # Not those tags: left as they are.
    ("<metadata>< meta> <p>formula</p> <formation> <table><tr><td>on=1</td></tr></table>",
     "<metadata>< meta> <p>formula</p> <formation> <table><tr><td>on=1</td></tr></table>"),
])
def test_a_printed_page_can_neither_redirect_nor_script_the_page_showing_it(html, safe):
    assert neutralised(html) == safe


def test_checking_a_page_takes_time_linear_in_its_length(heap_of_a_server):
    # Python's own HTML parser takes minutes on the second of these; a linear check takes
    # a fraction of a second, a few seconds on a machine busy with other work.
    for page in ("<meta http-equiv=refresh>" + '<td class="a">x</td>' * 250_000,
                 "<meta http-equiv=refresh>" + "<a " * 1_500_000):
        started = time.perf_counter()
        assert neutralised(page).startswith("&lt;meta")
        assert time.perf_counter() - started < 15


def test_a_print_template_cannot_send_staff_elsewhere():
    source = ('<meta http-equiv="refresh" content="0;url=https://evil.example">'
              '<h1>{{ order.number }}</h1>')
    assert render("slip", source, {"order": ORDER}) == (
        '&lt;meta http-equiv="refresh" content="0;url=https://evil.example"><h1>SO-000001</h1>')


def test_a_template_nested_too_deeply_is_a_problem_of_the_definition():
    definition = retail()
    definition["print_templates"][0]["template"] = "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}"
    problems = [p.as_json() for p in validate_order_type(definition, Context())]
    assert problems == [{"pointer": "/print_templates/0/template",
                         "detail": "template error: the template nests too deeply"}]
