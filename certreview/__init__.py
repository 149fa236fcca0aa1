"""certreview — the department's workbench for the yearly certificate review."""

__version__ = "0.1.0"
