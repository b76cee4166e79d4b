"""Customers: who orders, what they are worth, segments and merging (records),
and customer files in and out (files)."""
