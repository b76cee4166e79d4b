"""The returns tests' shop and staff (tests/after_sales/support.py)."""
from tests.after_sales.support import shop, staff  # noqa: F401
