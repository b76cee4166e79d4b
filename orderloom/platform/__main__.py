"""``python -m orderloom.platform`` is the ``orderloom`` command."""
from orderloom.platform.cli import main

main()
