"""Run the command line as `python -m certreview.cli`."""

from certreview.cli import main

raise SystemExit(main())
