"""What every command runs with (`Context`), and the shapes of handlers and option adders.

A leaf of the CLI package: the parser (`_app`), the verbs and the live views all use it, and it
imports none of them.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console

from .._errors import ConfigurationError
from ._jsonio import to_json
from ._render import json_printable, render

#: Client keywords a configuration message may suggest, as the command line spells them.
FLAGS = {"allow_insecure_http=True": "--allow-insecure-http"}


def as_flags(message: str) -> str:
    """A client's configuration message for someone at the command line: flags, not Python keywords."""
    for keyword, flag in FLAGS.items():
        message = message.replace(keyword, flag)
    return message


@dataclass
class Context:
    """What every command runs with: the console, a client made on first use, the output mode."""

    client_class: type[Any]
    args: argparse.Namespace
    out: Console = field(default_factory=lambda: Console(file=sys.stdout, highlight=False, soft_wrap=False))
    # Errors are not wrapped at the terminal's width: a script may read them line by line.
    err: Console = field(default_factory=lambda: Console(file=sys.stderr, highlight=False, soft_wrap=True))
    _client: Any = None

    @property
    def json(self) -> bool:
        return bool(self.args.json)

    @property
    def client(self) -> Any:
        if self._client is None:
            secret = None
            if self.args.ask_secret:
                # Asked for, never shown: getpass does not echo, and the value goes straight to
                # the client, which keeps it redacted.
                secret = getpass.getpass("API secret: ")
            elif self.args.secret_stdin:
                secret = sys.stdin.readline().strip()
            kwargs: dict[str, Any] = {"base_url": self.args.base_url}
            if self.args.timeout is not None:
                kwargs["timeout"] = self.args.timeout
            if self.args.allow_insecure_http:
                kwargs["allow_insecure_http"] = True
            try:
                self._client = self.client_class(self.args.api_key, secret, **kwargs)
            except ConfigurationError as exc:
                raise ConfigurationError(as_flags(exc.message)) from exc
        return self._client

    def show(self, value: Any, *, lines: bool = False) -> None:
        """One answer: JSON for scripts (one line per answer with `lines`: JSON Lines), tables for people."""
        if self.json:
            text = json.dumps(to_json(value), indent=None if lines else 2, ensure_ascii=False)
            print(json_printable(text), file=self.out.file, flush=True)
        else:
            self.out.print(render(value))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


Handler = Callable[[Context, argparse.Namespace], None]
#: Adds the options every command takes to a parser.
CommonOptions = Callable[[argparse.ArgumentParser], None]
