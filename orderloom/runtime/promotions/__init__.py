"""Promotions (赠品/促销) and pre-sale (预售): rules kept in the admin pages that give
an arriving order gift lines (their stock reserved, until the gift runs out) or a
discount, a backtest that shows what a draft rule would have given over a past
period, and products sold before they arrive, whose orders wait until the release
date with their units reserved against expected receipts (docs/order-desk.md)."""
