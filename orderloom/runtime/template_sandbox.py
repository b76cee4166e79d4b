"""Templates that designers write (print templates, notify messages), run under a budget.

A designer's template is untrusted code: Jinja2's immutable sandbox keeps it from
Python internals and from changing data, and this module keeps it from holding the
process. Every render has

* a time limit (MAX_SECONDS) and a limit of steps (MAX_STEPS: loop iterations,
  calls of macros and methods, arithmetic and text operations), both checked at
  each step and at each piece of output, so no loop, however nested or empty, and
  no recursion of macros runs on past them;
* an output limit, given by the caller (a printed page may be longer than a mail);
* bounded single operations, which run in C between two steps and so are bounded
  by their size before they run: a text or list made by one operation (`*`, `+`,
  `~`, padding, `join`, `replace`, `format`, `%`) has at most MAX_VALUE
  characters or items, and an integer power or product at most MAX_INT_BITS bits.

What is refused raises TemplateBudgetExceeded (a SecurityError, as the sandbox's
own refusals are) saying what was tried; the callers turn it into their own error
with the template's name and line. The checks read the current render's budget
from a context variable, so renders in other threads have budgets of their own.
"""
from __future__ import annotations

import math
import re
import string
import time
import traceback
import types
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from jinja2 import TemplateSyntaxError, nodes
from jinja2.filters import FILTERS, make_attrgetter
from jinja2.runtime import markup_join
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import generate_lorem_ipsum

MAX_SECONDS = 1.0
MAX_STEPS = 1_000_000
MAX_VALUE = 200_000  # characters of one text, or items of one list, made by one operation
MAX_INT_BITS = 10_000  # about 3,000 digits
MAX_EXPONENT = 100


class TemplateBudgetExceeded(SecurityError):
    """The template asked for more time, work or memory than a render may have."""


@dataclass
class Budget:
    """What one render may still spend."""

    # Read when a render starts, not when this module loads, so the limit can be
    # changed in one place (a test lengthens it to watch the server during a render).
    seconds: float = field(default_factory=lambda: MAX_SECONDS)
    steps: int = MAX_STEPS
    output: int = 5_000_000
    deadline: float = field(init=False)
    written: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.seconds

    def step(self, count: int = 1) -> None:
        self.steps -= count
        if self.steps < 0:
            raise TemplateBudgetExceeded(
                f"the template needs more than {MAX_STEPS} steps (loop iterations, calls "
                "and operations); a loop or a macro that calls itself runs too long")
        if time.monotonic() > self.deadline:
            raise TemplateBudgetExceeded(
                f"the template took longer than {self.seconds:g} seconds to render")

    def wrote(self, piece: str) -> None:
        self.written += len(piece)
        if self.written > self.output:
            raise TemplateBudgetExceeded(f"the output grew beyond {self.output} characters")
        self.step()


_current: ContextVar[Budget | None] = ContextVar("template_budget", default=None)


def _budget() -> Budget:
    # Outside render() (a template rendered some other way) each check gets a fresh
    # budget: the sizes are still bounded, the time and steps only by render().
    return _current.get() or Budget()


def _too_big(what: str, size: int) -> TemplateBudgetExceeded:
    return TemplateBudgetExceeded(
        f"the template tried to make {what} of {size} characters or items, more than the "
        f"{MAX_VALUE} allowed")


def _check_size(value: Any, what: str = "a text or list") -> Any:
    if isinstance(value, str | bytes | list | tuple) and len(value) > MAX_VALUE:
        raise _too_big(what, len(value))
    return value


def _length(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple) else 0


# printf-style conversions: `%-010.3f`, `%(name)5s`, `%*d`.
_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_widths(numbers: Iterable[str | None], args: Any, what: str) -> None:
    stars = False
    for number in numbers:
        if number == "*":
            stars = True
        elif number and int(number) > MAX_VALUE:
            raise _too_big(what, int(number))
    if stars:
        values = args if isinstance(args, tuple) else (args,)
        for value in values:
            if isinstance(value, int) and not isinstance(value, bool) and value > MAX_VALUE:
                raise _too_big(what, value)


def _check_percent(fmt: str, args: Any) -> None:
    _check_widths((n for match in _PERCENT.finditer(fmt) for n in match.groups()), args,
                  "a formatted text")


def _check_format_spec(fmt: str) -> None:
    for _text, _name, spec, _conversion in string.Formatter().parse(fmt):
        if spec and "{" in spec:
            raise TemplateBudgetExceeded("the template's format() takes its width from a "
                                         "value, which templates may not do")
        if spec:
            _check_widths(re.findall(r"\d+", spec), (), "a formatted text")


def _check_int_op(name: str, left: Any, right: Any) -> None:
    if isinstance(left, bool) or isinstance(right, bool):
        return
    if name == "**" and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
        raise TemplateBudgetExceeded(f"the template raised a number to the power {right}, "
                                     f"more than the {MAX_EXPONENT} allowed")
    if not (isinstance(left, int) and isinstance(right, int)):
        return
    if name == "**" and right > 0:
        bits = left.bit_length() * right
    elif name == "*":
        bits = left.bit_length() + right.bit_length()
    else:
        return
    if bits > MAX_INT_BITS:
        raise TemplateBudgetExceeded(
            f"the template made a number of about {math.ceil(bits * 0.30103)} digits, more "
            f"than the {math.ceil(MAX_INT_BITS * 0.30103)} allowed")


def _check_repeat(left: Any, right: Any) -> None:
    for sequence, times in ((left, right), (right, left)):
        if isinstance(sequence, str | bytes | list | tuple) and isinstance(times, int) \
                and len(sequence) * times > MAX_VALUE:
            raise _too_big("a repeated text or list", len(sequence) * times)


def _check_method_call(method: Any, args: tuple, kwargs: dict) -> None:
    """Methods of texts, numbers and lists whose result grows with an argument."""
    owner = getattr(method, "__self__", None)
    if not isinstance(method, types.BuiltinMethodType | types.MethodType) \
            or not isinstance(owner, str | bytes | int | float | list | tuple | dict):
        return
    name = getattr(method, "__name__", "")
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_VALUE:
            raise _too_big(f"a value with {name}()", abs(value))
    if name == "expandtabs" and isinstance(owner, str | bytes):
        size = _length(owner) * (args[0] if args and isinstance(args[0], int) else 8)
        if size > MAX_VALUE:
            raise _too_big("a text with expandtabs()", size)
    if name == "replace" and isinstance(owner, str) and len(args) >= 2 \
            and isinstance(args[0], str) and isinstance(args[1], str):
        _check_replace(owner, args[0], args[1], args[2] if len(args) > 2 else -1)
    if name == "format_map" or name == "format":
        if isinstance(owner, str):
            _check_format_spec(owner)


def _check_replace(text: str, old: str, new: str, count: Any = -1) -> None:
    times = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        times = min(times, count)
    size = len(text) + times * (len(new) - len(old))
    if size > MAX_VALUE:
        raise _too_big("a text with replace", size)


def within_budget(items: Any) -> Iterator[Any]:
    """What a `{% for %}` loops over, one step per item (BudgetedEnvironment.budgeted
    puts it on every loop)."""
    budget = _budget()
    for item in items:
        budget.step()
        yield item


def _joined(parts: list, separator: Any = "") -> list:
    total = sum(len(p) if isinstance(p, str) else len(str(p)) for p in parts) \
        + len(str(separator)) * max(len(parts) - 1, 0)
    if total > MAX_VALUE:
        raise _too_big("a joined text", total)
    return parts


def _concat_within_budget(parts: list) -> str:
    """`a ~ b ~ c`, refused before it is made when it would be too long; escaped as
    Jinja joins it (Markup stays Markup)."""
    _budget().step()
    return markup_join(_joined(parts))


# Filters whose result grows with an argument, refused beyond MAX_VALUE before they run.
def _filter_format(value: Any, *args: Any, **kwargs: Any) -> str:
    _check_percent(str(value), kwargs or args)
    return FILTERS["format"](value, *args, **kwargs)


def _filter_center(value: Any, width: int = 80) -> str:
    if isinstance(width, int) and width > MAX_VALUE:
        raise _too_big("a centred text", width)
    return FILTERS["center"](value, width)


def _filter_indent(value: Any, width: Any = 4, first: bool = False, blank: bool = False) -> str:
    per_line = width if isinstance(width, int) else len(str(width))
    lines = str(value).count("\n") + 1
    if len(str(value)) + per_line * lines > MAX_VALUE:
        raise _too_big("an indented text", len(str(value)) + per_line * lines)
    return FILTERS["indent"](value, width, first, blank)


def _filter_replace(eval_ctx: Any, value: Any, old: str, new: str, count: int | None = None):
    _check_replace(str(value), str(old), str(new), -1 if count is None else count)
    return FILTERS["replace"](eval_ctx, value, old, new, count)


def _filter_join(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> str:
    items = list(within_budget(value))
    if attribute is not None:
        items = list(map(make_attrgetter(eval_ctx.environment, attribute), items))
    return FILTERS["join"](eval_ctx, _joined(_check_size(items), d), d)


def _filter_batch(value: Any, linecount: int, fill_with: Any = None):
    if isinstance(linecount, int) and linecount > MAX_VALUE:
        raise _too_big("a batch", linecount)
    return within_budget(FILTERS["batch"](value, linecount, fill_with))


def _filter_slice(value: Any, slices: int, fill_with: Any = None):
    if isinstance(slices, int) and slices > MAX_VALUE:
        raise _too_big("slices", slices)
    return within_budget(FILTERS["slice"](value, slices, fill_with))


def _filter_sum(environment: Any, iterable: Any, attribute: Any = None, start: Any = 0):
    items = list(within_budget(iterable))
    if attribute is not None:
        items = list(map(make_attrgetter(environment, attribute), items))
    size = _length(start) + sum(_length(item) for item in items)
    if size > MAX_VALUE:
        raise _too_big("a sum of texts or lists", size)
    return sum(items, start)


for _filter, _original in ((_filter_replace, "replace"), (_filter_join, "join"),
                           (_filter_sum, "sum")):
    # Jinja passes the evaluation context or environment by the original's marker.
    _filter.jinja_pass_arg = FILTERS[_original].jinja_pass_arg  # type: ignore[attr-defined]

def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:  # noqa: A002
    """Jinja's placeholder text, whose n paragraphs are written in one call: bounded."""
    if not all(isinstance(x, int) for x in (n, min, max)) or n * max > MAX_VALUE // 10:
        raise TemplateBudgetExceeded(f"lipsum() writes at most {MAX_VALUE // 10} words")
    return generate_lorem_ipsum(n, html, min, max)


BUDGETED_FILTERS = {"format": _filter_format, "center": _filter_center,
                    "indent": _filter_indent, "replace": _filter_replace,
                    "join": _filter_join, "batch": _filter_batch, "slice": _filter_slice,
                    "sum": _filter_sum, "within_budget": within_budget,
                    "concat_within_budget": _concat_within_budget}


class BudgetedEnvironment(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox, with every operation counted and bounded."""

    intercepted_binops = frozenset({"*", "**", "+", "%", "//"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.filters.update(BUDGETED_FILTERS)
        self.globals["lipsum"] = _lipsum

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        _budget().step()
        if operator_name in ("*", "**"):
            _check_int_op(operator_name, left, right)
        if operator_name == "*":
            _check_repeat(left, right)
        if operator_name == "+" and _length(left) + _length(right) > MAX_VALUE:
            raise _too_big("a joined text or list", _length(left) + _length(right))
        if operator_name == "%" and isinstance(left, str):
            _check_percent(left, right)
        return self.binop_table[operator_name](left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        _budget().step()
        _check_method_call(__obj, args, kwargs)
        if getattr(__obj, "__name__", "") == "join" and isinstance(
                getattr(__obj, "__self__", None), str) and args:
            args = (_joined(list(within_budget(args[0])), __obj.__self__), *args[1:])
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Any:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        _check_format_spec(value.__self__)
        return wrapped

    def budgeted(self, source: str) -> nodes.Template:
        """The parsed template with a step counted on each loop item and each `~`."""
        tree = self.parse(source)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, "within_budget", [], [], None, None,
                                     lineno=loop.lineno)
        for concat in list(tree.find_all(nodes.Concat)):
            parts = concat.nodes
            concat.nodes = [nodes.Filter(nodes.List(parts, lineno=concat.lineno),
                                         "concat_within_budget", [], [], None, None,
                                         lineno=concat.lineno)]
        return tree


@lru_cache(maxsize=128)
def compiled(environment: BudgetedEnvironment, source: str, name: str) -> Any:
    """The template of `source`, budgeted, called `name` (for the lines of its errors).
    Kept, as documents print the same templates again and again; a template nested
    deeper than the compiler can follow is a syntax error, not a server error."""
    try:
        template = environment.from_string(environment.budgeted(source))
    except RecursionError:
        raise TemplateSyntaxError("the template nests too deeply", 1) from None
    template.name = template.filename = name
    return template


def template_line(error: BaseException, name: str) -> int | None:
    """The line of the template called `name` that `error` was raised on: Jinja
    rewrites tracebacks so that the template's frames carry its name and lines. Read
    without loading source lines, as a runaway recursion leaves a thousand frames."""
    line = getattr(error, "lineno", None)
    if line:
        return line
    lines = [number for frame, number in traceback.walk_tb(error.__traceback__)
             if frame.f_code.co_filename == name]
    return lines[-1] if lines else None


def render(template: Any, context: dict[str, Any], budget: Budget) -> str:
    """Render a template made by environment.from_string(environment.budgeted(...))
    under `budget`; TemplateBudgetExceeded when it would spend more."""
    token = _current.set(budget)
    try:
        pieces = []
        for piece in template.generate(**context):
            budget.wrote(piece)
            pieces.append(piece)
        return "".join(pieces)
    finally:
        _current.reset(token)

