"""The warehouse floor: waves of orders picked together, picked and packed by scanning."""
