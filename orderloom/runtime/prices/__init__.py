"""Prices: the unit price a line gets when it arrives without one, and the price it
may not go below without being flagged. A product's own price in the catalog, or a
price list for a channel, a customer tier or one customer, with quantity breaks and
the dates it is valid (docs/prices.md)."""
