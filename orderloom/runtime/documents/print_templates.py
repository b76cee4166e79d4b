"""Rendering designers' print templates in a sandbox.

Print templates are written by business users, so they are treated as
untrusted: they run in Jinja2's immutable sandbox with autoescaping on. The
sandbox on its own answers an unsafe attribute (``''.__class__``) with an
undefined value that only fails once it is used, and printing it shows
nothing; here any reach for Python internals, or any attempt to change the
order's data, stops the render at once with a TemplateRefused that says what
was tried and on which line. Huge repetitions (``'x' * 10**9``) are refused
too, so a template cannot exhaust the server's memory.
"""
from __future__ import annotations

import logging
import operator
import traceback
from typing import Any

from jinja2 import ChainableUndefined, TemplateError, TemplateSyntaxError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from orderloom.runtime.documents.barcodes import BarcodeProblem
from orderloom.runtime.errors import OrderError

log = logging.getLogger(__name__)

MAX_OUTPUT = 5_000_000  # characters of one rendered document
MAX_SEQUENCE = 100_000  # items or characters one '*' may make
MAX_EXPONENT = 100


class TemplateProblem(OrderError):
    """A print template that cannot be rendered; the message names the template and line."""

    status = 422

    def __init__(self, message: str, template: str, line: int | None) -> None:
        where = f"print template {template!r}" + (f", line {line}" if line else "")
        super().__init__(f"{where}: {message}")
        self.template = template
        self.line = line


class TemplateRefused(TemplateProblem):
    """The template tried to leave the sandbox: Python internals, or changing data."""


class _Refusal(SecurityError):
    pass


class PrintEnvironment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        if str(attribute).startswith("_"):
            raise _Refusal(f"the template tried to reach Python internals "
                           f"({attribute!r} of {type(obj).__name__}), which print "
                           "templates may not do")
        raise _Refusal(f"the template tried to use {attribute!r} of {type(obj).__name__}, "
                       "which would change data or reach Python internals; print templates "
                       "may only read")

    def call_binop(self, context, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
                raise _Refusal(f"the template raised a number to the power {right}, more "
                               f"than the {MAX_EXPONENT} allowed")
            return operator.pow(left, right)
        for sequence, times in ((left, right), (right, left)):
            if isinstance(sequence, str | list | tuple) and isinstance(times, int) \
                    and len(sequence) * times > MAX_SEQUENCE:
                raise _Refusal(f"the template tried to repeat a text or list into "
                               f"{len(sequence) * times} items, more than the "
                               f"{MAX_SEQUENCE} allowed")
        return operator.mul(left, right)


ENVIRONMENT = PrintEnvironment(autoescape=True, undefined=ChainableUndefined)


def _name(key: str) -> str:
    return f"<print template {key}>"


def _line(error: BaseException, key: str) -> int | None:
    """The template line an error was raised on: Jinja rewrites tracebacks so frames
    of the template carry its name and its own line numbers."""
    line = getattr(error, "lineno", None)
    if line:
        return line
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == _name(key)]
    return frames[-1].lineno if frames else None


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
        template = ENVIRONMENT.from_string(source)
        template.name = template.filename = _name(key)
    except TemplateSyntaxError as error:
        raise TemplateProblem(f"the template is not valid Jinja2: {error.message}", key,
                              error.lineno) from None
    pieces: list[str] = []
    size = 0
    try:
        for piece in template.generate(**context):
            size += len(piece)
            if size > MAX_OUTPUT:
                raise _Refusal(f"the document grew beyond {MAX_OUTPUT} characters")
            pieces.append(piece)
    except SecurityError as error:
        line = _line(error, key)
        log.warning("print template %r refused at line %s: %s", key, line, error)
        raise TemplateRefused(str(error), key, line) from None
    except BarcodeProblem as error:
        raise TemplateProblem(str(error), key, _line(error, key)) from None
    except (TemplateError, ArithmeticError, TypeError, ValueError, LookupError,
            AttributeError, RecursionError) as error:
        raise TemplateProblem(f"{type(error).__name__}: {error}", key,
                              _line(error, key)) from None
    return "".join(pieces)
