"""Hard limits that keep a formula cheap and safe to run on every order."""

from __future__ import annotations

# A formula is a line in a form, not a program; 10,000 characters leaves room
# for long SWITCH tables while keeping parse time bounded.
MAX_SOURCE_LENGTH = 10_000

# Nesting of parentheses, calls, lists and operators. Keeps the recursive
# checker and compiler far away from Python's recursion limit.
MAX_NESTING_DEPTH = 64

# Elements in one list literal `[...]`.
MAX_LIST_LITERAL = 1_000

# Elements in one list coming from the order data (line items and the like).
MAX_LIST_SIZE = 10_000

# Characters in any text a formula produces (`&`, CONCAT, TEXT, UPPER...).
MAX_TEXT_LENGTH = 100_000

# Decimal exponent of numeric literals and of every computed number:
# 1e999999 is rejected and results beyond 10^MAX_EXPONENT are a fault.
MAX_EXPONENT = 100
MAX_DIGITS = 34

# Units of work per evaluation: one per line visited by per-line functions
# and aggregates, so nested per-line conditions cannot multiply into hours.
MAX_STEPS = 1_000_000

# REGEXMATCH runs RE2 (and re2js in the browser), whose matching time is linear in
# the text whatever the pattern; the bounds keep a pattern's compiled program small
# and one match on the order form well under a millisecond.
MAX_REGEX_PATTERN = 200
MAX_REGEX_INPUT = 2_000

# Compiled formulas kept in the cache, keyed by source and field schema.
COMPILE_CACHE_SIZE = 1_024
