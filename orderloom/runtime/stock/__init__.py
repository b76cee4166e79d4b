"""Stock: products and warehouses (catalog), levels and the ledger (models),
receiving, reserving, releasing and shipping (keeping), choosing the shipping
warehouse (routing), stock files and low-stock alerts."""
