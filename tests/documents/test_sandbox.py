"""Print templates are written by business users: they run in a sandbox that refuses
any reach for Python internals with a clear error naming the place."""
from __future__ import annotations

import pytest

from orderloom.runtime.documents.print_templates import TemplateProblem, TemplateRefused, render

CONTEXT = {"order": {"number": "SO-000001", "data": {"items": [{"sku": "A"}]}, "lines": []}}
ESCAPES = [
    "{{ ''.__class__ }}",
    "{{ order.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ order | attr('__class__') }}",
    "{{ self.__init__.__globals__ }}",
    "{{ '{0.__class__}'.format(1) }}",
    "{{ namespace.__init__.__globals__ }}",
]


@pytest.mark.parametrize("source", ESCAPES)
def test_escape_attempts_are_refused_with_the_place(source):
    with pytest.raises(TemplateRefused) as refused:
        render("slip", "<h1>Slip</h1>\n" + source, CONTEXT)
    message = refused.value.message
    assert "tried to reach Python internals" in message
    assert "print template 'slip', line 2" in message
    assert refused.value.status == 422


def test_changing_the_order_data_is_refused():
    with pytest.raises(TemplateRefused) as refused:
        render("slip", "{{ order.data.update({'x': 1}) }}", CONTEXT)
    assert "'update' of dict" in refused.value.message


def test_huge_repetition_is_refused():
    with pytest.raises(TemplateRefused) as refused:
        render("slip", "{{ 'x' * 1000000000 }}", CONTEXT)
    assert "more than" in refused.value.message


def test_html_in_order_data_is_escaped():
    html = render("slip", "{{ order.data.note }}",
                  {"order": {"data": {"note": "<script>alert(1)</script>"}}})
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_broken_template_is_a_template_problem_with_its_line():
    with pytest.raises(TemplateProblem) as problem:
        render("slip", "ok\n{{ 1 / 0 }}", CONTEXT)
    assert "line 2" in problem.value.message
    with pytest.raises(TemplateProblem) as problem:
        render("slip", "{% for x in %}", CONTEXT)
    assert "not valid Jinja2" in problem.value.message
