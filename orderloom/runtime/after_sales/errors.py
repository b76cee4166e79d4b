"""Why a return step is refused, with the member of the request at fault."""
from __future__ import annotations

from orderloom.runtime.errors import OrderError


class AfterSalesRefused(OrderError):
    """A return request or step that cannot be done; nothing of it is stored.
    ``code`` and ``values`` say it in the reader's language (platform/refusals.py)."""

    def __init__(self, message: str, *, pointer: str = "", status: int = 422,
                 code: str | None = None, **values: object) -> None:
        super().__init__(message, code=code, **values)
        self.pointer = pointer
        self.status = status
