"""Shipping: carriers, shipments and tracking events (models), booking and
recording tracking (tracking), and the carrier adapters (carriers/)."""
