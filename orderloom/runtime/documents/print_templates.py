"""Rendering designers' print templates in a sandbox.

Print templates are written by business users, so they are treated as
untrusted: they run in Jinja2's immutable sandbox with autoescaping on. The
sandbox on its own answers an unsafe attribute (``''.__class__``) with an
undefined value that only fails once it is used, and printing it shows
nothing; here any reach for Python internals, or any attempt to change the
order's data, stops the render at once with a TemplateRefused that says what
was tried and on which line. Huge repetitions (``'x' * 10**9``) are refused
too, so a template cannot exhaust the server's memory.

Each render runs under the budget of runtime/template_sandbox.py (time, steps,
output, the size of each value), and the page it makes cannot send the staff who
read it elsewhere (documents/page_safety.py).
"""
from __future__ import annotations

import logging
from typing import Any

from jinja2 import ChainableUndefined, TemplateError, TemplateSyntaxError, meta
from jinja2.sandbox import SecurityError

from orderloom.designer.template_reasons import render_reason, template_reason
from orderloom.runtime import template_sandbox
from orderloom.runtime.documents.barcodes import BarcodeProblem
from orderloom.runtime.documents.page_safety import neutralised
from orderloom.runtime.errors import OrderError

log = logging.getLogger(__name__)

MAX_OUTPUT = 5_000_000  # characters of one rendered document


class TemplateProblem(OrderError):
    """A print template that cannot be rendered; the message names the template and line."""

    status = 422

    def __init__(self, message: str, template: str, line: int | None,
                 reason: dict[str, str] | None = None) -> None:
        where = f"print template {template!r}" + (f", line {line}" if line else "")
        # ``reason`` (designer/template_reasons.py) lets a page say why in its reader's
        # language; ``why`` is the English it falls back to.
        super().__init__(f"{where}: {message}",
                         code="template.failed_at_line" if line else "template.failed",
                         template=repr(template), line=line, why=message, **(reason or {}))
        self.template = template
        self.line = line


class TemplateRefused(TemplateProblem):
    """The template tried to leave the sandbox: Python internals, or changing data."""


class _Refusal(SecurityError):
    pass


class PrintEnvironment(template_sandbox.BudgetedEnvironment):
    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        if str(attribute).startswith("_"):
            raise _Refusal(f"the template tried to reach Python internals "
                           f"({attribute!r} of {type(obj).__name__}), which print "
                           "templates may not do")
        raise _Refusal(f"the template tried to use {attribute!r} of {type(obj).__name__}, "
                       "which would change data or reach Python internals; print templates "
                       "may only read")


ENVIRONMENT = PrintEnvironment(autoescape=True, undefined=ChainableUndefined)


def _name(key: str) -> str:
    return f"<print template {key}>"


def _line(error: BaseException, key: str) -> int | None:
    """The template line an error was raised on: Jinja rewrites tracebacks so frames
    of the template carry its name and its own line numbers."""
    return template_sandbox.template_line(error, _name(key))


def variables(source: str) -> set[str]:
    """The names a template reads from its context; empty for one that does not parse."""
    try:
        return meta.find_undeclared_variables(ENVIRONMENT.parse(source))
    except TemplateSyntaxError:
        return set()


def render(key: str, source: str, context: dict[str, Any]) -> str:
    """Render ``source`` (the template called ``key``); TemplateProblem for anything that
    goes wrong, TemplateRefused when the template tried to leave the sandbox."""
    try:
        template = template_sandbox.compiled(ENVIRONMENT, source, _name(key))
    except TemplateSyntaxError as error:
        raise TemplateProblem(f"the template is not valid Jinja2: {error.message}", key,
                              error.lineno, template_reason(error.message or "")) from None
    budget = template_sandbox.Budget(output=MAX_OUTPUT)
    try:
        html = template_sandbox.render(template, context, budget)
    except SecurityError as error:
        line = _line(error, key)
        log.warning("print template %r refused at line %s: %s", key, line, error)
        raise TemplateRefused(str(error), key, line) from None
    except BarcodeProblem as error:
        raise TemplateProblem(str(error), key, _line(error, key)) from None
    except (TemplateError, ArithmeticError, TypeError, ValueError, LookupError,
            AttributeError, RecursionError, MemoryError) as error:
        raise TemplateProblem(f"{type(error).__name__}: {error}", key,
                              _line(error, key), render_reason(error)) from None
    return neutralised(html)
