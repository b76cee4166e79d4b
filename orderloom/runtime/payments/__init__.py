"""Payments: money received (received) and given back (refunds), statements of
providers and banks, reconciliation, and the daily finance summary."""
