"""The ERP loop: connections to an ERP (Odoo over its external JSON-RPC API, ERPNext
over Frappe's REST API) that Orderloom writes its orders, payments and stock into,
and reads back what the ERP owns (the item master with its prices, stock counted in
the ERP).

It owns the connections and their settings (models), the ERP documents an order maps
to (documents), one client per ERP kind (odoo, erpnext), the jobs that send and their
attempt log (sending), the scheduled pull of items and stock (pulling), and the
comparison of both systems over a period (reconciliation). It hears of orders,
payments and stock through the hooks, and calls the ERP only through
runtime/outbound.py.
"""
