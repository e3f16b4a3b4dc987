"""``python -m glassnet.cli``: the same command line as ``python -m glassnet`` (the script's entry point
is ``glassnet.cli:main``, so users try this spelling too)."""

from . import main

raise SystemExit(main())
