"""Certificate files: inspect and validate them, tell copies apart, read folders and ZIPs, on all cores."""
