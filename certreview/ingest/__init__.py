"""Bring the department's files in: spreadsheets, roster/catalog/standards and submissions."""
