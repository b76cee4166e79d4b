"""Approvals: the tasks an approval makes for the people who must decide (tasks),
and their decisions, the inbox and delegation (decisions)."""
