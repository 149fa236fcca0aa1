"""The unified review: the service the workbench calls, its plain values and its SQL."""
