"""The ipywidgets user interface: the only package that imports ipywidgets and anywidget."""

from certreview.widgets.workbench import ReviewWorkbench

__all__ = ["ReviewWorkbench"]
