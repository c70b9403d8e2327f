"""`python -m mtgox_sandbox ...`: the same as the `mtgox-sandbox` command."""

from .server.cli import main

raise SystemExit(main())
