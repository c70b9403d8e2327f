"""Error rules: which server answers map to which exception class of the runtime."""

from __future__ import annotations

from . import model as m
from .checker import Scope
from .yaml_nodes import Node


def error_rule(s: Scope, node: Node) -> m.ErrorRule | None:
    c = s.c
    f = c.mapping(
        node,
        "an error rule",
        required=("class",),
        optional=("token", "token_prefix", "message_prefix", "status", "description"),
    )
    if f is None:
        return None
    # The runtime's exception classes; kept here as names so the catalogue does not import the runtime.
    classes = (
        "APIError",
        "AuthenticationError",
        "NonceError",
        "PermissionDeniedError",
        "InsufficientFundsError",
        "OrderNotFoundError",
        "RateLimitedError",
        "ServerError",
    )
    cls = c.string(f.get("class"), "error rule class", choices=classes)
    matchers = [k for k in ("token", "token_prefix", "message_prefix", "status") if k in f]
    if not matchers:
        c.error(node.line, "an error rule needs at least one of token, token_prefix, message_prefix, status")
        return None
    status = c.integer(f.get("status"), "error rule status", minimum=100)
    if cls is None:
        return None
    return m.ErrorRule(
        error_class=cls,
        token=c.string(f.get("token"), "token"),
        token_prefix=c.string(f.get("token_prefix"), "token_prefix"),
        message_prefix=c.string(f.get("message_prefix"), "message_prefix"),
        status=status,
        description=c.text(f.get("description"), "description"),
    )
