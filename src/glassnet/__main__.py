"""``python -m glassnet``: the same command line as the ``glassnet`` script."""

from .cli import main

raise SystemExit(main())
