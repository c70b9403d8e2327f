"""The driver of a generated package's command line (`mtgox`), hand-written and catalogue-free.

The generated `<package>/cli.py` holds a table of `Command`s (one per endpoint) and passes it,
with its `Client` class, to `main()`; nothing here imports the generated package, so data flows
one way. The terminal library (rich) is the `cli` extra: it is imported only once `main()` has
checked it is there, so `import mtgox` and `import mtgox.cli` stay httpx-only.

    _table.py    Command and Option: what the generated table holds
    _main.py     main(): the extra check, then the app
    _exit.py     exit statuses and the SDK error each one stands for
    _args.py     option text to the typed values the SDK methods take
    _jsonio.py   models to JSON and back (--json)
    _context.py  Context: the console, the client made on first use, the output mode (a leaf)
    _app.py      the parser, calling a generated method, the error line and exit status
    _render.py   human output: aligned tables, money with its currency
    _verbs.py    ticker, book, trades, orders, balance, history; --watch
"""

from ._exit import ExitStatus
from ._main import main
from ._table import Command, Option

__all__ = ["Command", "ExitStatus", "Option", "main"]
