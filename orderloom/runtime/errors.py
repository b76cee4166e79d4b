"""What can go wrong when people and systems act on orders, as typed errors the
API turns into problem+json (and the CLI into one line)."""
from __future__ import annotations

from collections.abc import Sequence

from orderloom.designer.problems import DefinitionProblem


class OrderError(Exception):
    """Base of every refusal by the order runtime."""

    status = 422
    # The member of the request at fault, as a JSON Pointer, when one is; a refusal
    # about several members lists each as (pointer, message) in ``faults``.
    pointer = ""
    faults: Sequence[tuple[str, str]] = ()
    # What the refusal means, for the platform to say in the reader's language
    # (platform/refusals.py REFUSAL_WORDS) with ``values`` in its placeholders; the
    # English ``message`` stays as it is, for the clients that read it.
    code: str | None = None
    values: dict[str, object] = {}

    def __init__(self, message: str, *, code: str | None = None, **values: object) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
            self.values = values


class OrderInputError(OrderError):
    """The entered values break the form: each problem points at its field."""

    def __init__(self, problems: list[DefinitionProblem]) -> None:
        self.problems = problems
        summary = "; ".join(str(p) for p in problems[:3])
        if len(problems) > 3:
            summary += f"; and {len(problems) - 3} more"
        super().__init__(summary)


class OrderNotFound(OrderError):
    status = 404


class TransitionRefused(OrderError):
    """The transition may not be taken now; ``status`` says why in HTTP terms:
    403 the role may not, 409 not from this state, 422 a condition or a field."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class StaleOrder(OrderError):
    """Someone else changed the order since it was read."""

    status = 409

    def __init__(self, number: str, revision: int, state: str) -> None:
        super().__init__(f"order {number} was changed by someone else; it is now at "
                         f"revision {revision} in state {state!r}. Reload it and try again.",
                         code="order.stale", order=number, revision=revision)
        self.revision = revision
        self.state = state


class TaskNotFound(OrderError):
    status = 404


class NotYourTask(OrderError):
    """The approval task is neither the person's, nor their role's, nor delegated to them."""

    status = 403


class TaskClosed(OrderError):
    """The task was decided already, is not yet anyone's turn, or the order moved on."""

    status = 409


class DelegationRefused(OrderError):
    """A delegation that cannot be: ``pointer`` names the member of the request at fault."""

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(message)
        self.pointer = pointer


class EditRefused(OrderError):
    """An edit of a placed order that may not be made now (runtime/order_edits): the
    order is finished, has shipped, or its picking has started; or the stock for a
    raised quantity is not there. ``faults`` point at the fields the edit changes."""

    status = 409
