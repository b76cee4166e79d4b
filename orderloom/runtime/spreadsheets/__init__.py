"""Spreadsheets every domain that takes or gives files shares: the one reader of
uploaded CSV and xlsx files, with its limits checked before parsing (reading),
and the text every export keeps from running as a formula (formulas)."""
