"""What every ERP client answers, and the two ways a call can fail.

``Refused`` is the ERP saying no for a reason a retry cannot mend (a SKU it does not
know, a validation error, a wrong key): the sync keeps the reason and is not retried.
``Unavailable`` is a call that may work later (no answer, a server error): the job is
retried with backoff.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from orderloom.runtime import outbound

ERROR_LENGTH = 500


class ErpError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message[:ERROR_LENGTH])
        self.message = message[:ERROR_LENGTH]


class Refused(ErpError):
    """The ERP refused the request; sending it again changes nothing."""


class Unavailable(ErpError):
    """The ERP could not be reached or failed; a later attempt may work."""


@dataclass
class ErpOrder:
    """A sale order as the ERP holds it, for reconciliation."""
    reference: str
    total: Decimal
    lines: dict[str, Decimal] = field(default_factory=dict)  # SKU: quantity


def as_json(value: Any) -> bytes:
    # ERPs read amounts as JSON numbers; Decimal keeps its digits as written.
    def plain(v: Any) -> Any:
        if isinstance(v, Decimal):
            return float(v)
        raise TypeError(f"{type(v).__name__} is not JSON")
    return json.dumps(value, default=plain, ensure_ascii=False).encode("utf-8")


def exchange(method: str, url: str, headers: dict[str, str],
             body: Any = None) -> outbound.Answer:
    """One call through the outbound client; no answer is ``Unavailable``, a refused
    destination is ``Refused`` (an operator must allow it)."""
    try:
        return outbound.call(method, url, headers=headers,
                             content=None if body is None else as_json(body), secure=True)
    except outbound.Refused as refusal:
        raise Refused(f"the address is not allowed: {refusal}") from None
    except outbound.OutboundError as error:
        raise Unavailable(f"could not be reached: {error}") from None


def parsed(answer: outbound.Answer) -> Any:
    try:
        return json.loads(answer.body, parse_float=Decimal)
    except ValueError:
        if answer.status >= 500:
            raise Unavailable(f"answered {answer.status}: {answer.excerpt()}") from None
        raise Refused(f"answered {answer.status} with something that is not JSON: "
                      f"{answer.excerpt()}") from None
