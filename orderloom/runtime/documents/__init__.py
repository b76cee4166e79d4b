"""Documents: pick lists, packing slips, labels and invoices (fulfilment), the
built-in templates (defaults), print templates designers write, PDF and barcodes."""
