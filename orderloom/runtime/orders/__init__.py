"""Orders: the order and its timeline entries (models), what each kind of entry
records (timeline), numbers, search, saved views of the order list, staff
comments, and idempotency keys."""
