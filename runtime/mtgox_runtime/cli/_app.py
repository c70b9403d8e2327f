"""The parser built from the command table, credentials, and calling a generated method."""

from __future__ import annotations

import argparse
import io
import logging
import os
import sys
import textwrap
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

from .._errors import MtGoxError
from .._logging import logger
from ._args import to_kwargs
from ._context import CommonOptions, Context, Handler
from ._exit import ExitStatus, status_of
from ._render import printable
from ._table import Command

if TYPE_CHECKING:
    from .._catalogue_info import CatalogueInfo


def common_options(info: CatalogueInfo, *, top: bool) -> CommonOptions:
    """Adds the options every command takes, before or after its name (the top level gives the defaults)."""
    return lambda parser: _add_common(parser, info, top=top)


def base_url_help(info: CatalogueInfo) -> str:
    """Where the base URL comes from; a defunct default is not offered as one (calls to it refuse)."""
    if info.defunct:
        return f"API base URL (default: ${info.env_prefix}_BASE_URL; one is needed: the catalogue's is defunct)"
    return f"API base URL (default: ${info.env_prefix}_BASE_URL, else {info.base_url})"


def _add_common(parser: argparse.ArgumentParser, info: CatalogueInfo, *, top: bool) -> None:
    env_prefix = info.env_prefix

    def default(value: object) -> object:
        return value if top else argparse.SUPPRESS

    group = parser.add_argument_group("connection and output")
    group.add_argument(
        "--json", action="store_true", default=default(False), help="print JSON (exact decimals as strings)"
    )
    group.add_argument("--base-url", default=default(None), help=literal(base_url_help(info)))
    group.add_argument(
        "--allow-insecure-http",
        action="store_true",
        default=default(False),
        help="allow a plain http:// base URL on a host that is not loopback (the key then travels unencrypted)",
    )
    # --api-key, not --key: an endpoint (bitcoin/addpriv) has a parameter called key.
    group.add_argument(
        "--api-key", dest="api_key", default=default(None), help=f"API key (default: ${env_prefix}_API_KEY)"
    )
    group.add_argument(
        "--ask-secret",
        action="store_true",
        default=default(False),
        help=f"prompt for the API secret without echoing it (default: ${env_prefix}_API_SECRET)",
    )
    group.add_argument(
        "--secret-stdin", action="store_true", default=default(False), help="read the API secret from standard input"
    )
    group.add_argument("--timeout", type=float, default=default(None), help="seconds per HTTP attempt")


def literal(text: str) -> str:
    """Catalogue text as argparse help, which is a %-format: "about ±10 %" would break `--help`."""
    return text.replace("%", "%%")


def _call(command: Command) -> Handler:
    def handler(ctx: Context, args: argparse.Namespace) -> None:
        kwargs = to_kwargs(command.options, vars(args))
        method = getattr(getattr(ctx.client, command.version), command.method)
        ctx.show(method(**kwargs))

    return handler


def _add_endpoint(sub: Any, command: Command, common: CommonOptions) -> None:
    parser = sub.add_parser(
        command.name,
        help=literal(command.summary),
        # Paragraphs kept apart (what it does, how it is sent, the catalogue's note), each wrapped.
        description="\n\n".join(textwrap.fill(par, 100) for par in command.description.split("\n")),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for option in command.options:
        metavar = option.kind.upper() if option.kind != "enum" else "{" + ",".join(option.choices) + "}"
        if option.kind == "boolean":
            parser.add_argument(
                option.flag,
                dest=option.name,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=literal(option.help),
            )
        else:
            # No argparse `choices` or `type`: the SDK checks the value and says why it is refused.
            parser.add_argument(
                option.flag, dest=option.name, required=option.required, metavar=metavar, help=literal(option.help)
            )
    common(parser)
    parser.set_defaults(handler=_call(command))


def build_parser(
    commands: Sequence[Command], client_class: type[Any], prog: str, wanted: Collection[str] | None = None
) -> argparse.ArgumentParser:
    """The whole parser; with `wanted` (the words of the command line), only the endpoint commands it
    names get their options, and only the versions it names list their endpoints.

    Building every endpoint's parser costs about 80 ms, which `mtgox ticker` should not pay; a
    command built when not needed is harmless, so a word that only looks like a name is fine.
    """
    from ._verbs import add_verbs

    parser = argparse.ArgumentParser(
        prog=prog,
        description=f"The {client_class._catalogue.api_name} API from the command line: everyday verbs, "
        f"and every endpoint of every version ({prog} v2 --help).",
    )
    info = client_class._catalogue
    common_options(info, top=True)(parser)
    common = common_options(info, top=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_verbs(sub, {c.key for c in commands}, info, common)
    versions: dict[str, list[Command]] = {}
    for command in commands:
        versions.setdefault(command.version, []).append(command)
    for version, members in versions.items():
        vparser = sub.add_parser(version, help=f"the {len(members)} endpoints of API {version}")
        vsub = vparser.add_subparsers(dest="endpoint", metavar="ENDPOINT", required=True)
        if wanted is None or version in wanted:
            for command in members:
                if wanted is None or command.name in wanted:
                    _add_endpoint(vsub, command, common)
                else:  # listed in `mtgox vN --help`, never run: its options are not needed
                    vsub.add_parser(command.name, help=literal(command.summary), add_help=False)
    return parser


def _silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null, so flushing it at exit raises nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # not a real file (a test's capture): nothing will be flushed to a pipe


class PrintableLogs(logging.Filter):
    """The SDK's log lines quote servers (a remark, a failed snapshot): escaped before any handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = printable(record.getMessage()), None
        return True


def run(commands: Sequence[Command], client_class: type[Any], *, prog: str, argv: list[str]) -> int:
    if not any(isinstance(f, PrintableLogs) for f in logger.filters):
        logger.addFilter(PrintableLogs())
    parser = build_parser(commands, client_class, prog, wanted=set(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed by argparse
        return int(exc.code or 0)
    ctx = Context(client_class, args)
    try:
        args.handler(ctx, args)
    except MtGoxError as exc:
        ctx.err.print(f"{prog}: {exc.kind} error: {printable(str(exc), newlines=False)}", markup=False, highlight=False)
        return status_of(exc)
    except KeyboardInterrupt:
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return ExitStatus.BROKEN_PIPE
    finally:
        ctx.close()
    return ExitStatus.OK
