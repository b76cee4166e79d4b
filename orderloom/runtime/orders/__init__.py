"""Orders: the order and its timeline (models), numbers, edits of entered values,
search, saved views of the order list, staff comments, and idempotency keys."""
