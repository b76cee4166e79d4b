"""The engine: runs each order through the lifecycle its published definition
configures. Creating orders and moving them (lifecycle), what entering a state
causes (entering), automatic and timed moves, edits of an open order's entered
values (edits), moving open orders to a newer version, the actions rules and
transitions run (actions/), approvals (approvals/), timers and their firing."""
