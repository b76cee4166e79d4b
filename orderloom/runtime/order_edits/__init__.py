"""Editing an order after it was placed: lines, quantities, address and discount of an
open order change, the held stock follows by the difference, and the money owed is
worked out again (docs/order-desk.md, "Editing an order")."""
