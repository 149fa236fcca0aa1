"""Copy detection research kept for the next attempt: a realistic upload set and a candidate method."""
