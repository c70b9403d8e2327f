"""Exit statuses of the command line, one per kind of SDK error, so scripts can tell them apart."""

from __future__ import annotations

import enum

from .._errors import (
    APIError,
    ConfigurationError,
    InvalidRequestError,
    InvalidResponseError,
    MtGoxError,
    TransportError,
)


class ExitStatus(enum.IntEnum):
    OK = 0
    API_ERROR = 1  # the server answered with an error (APIError and its subclasses)
    USAGE = 2  # a bad option: argparse's own, or the SDK's InvalidRequestError
    CONFIGURATION = 3  # credentials, base URL, a missing extra (ConfigurationError)
    TRANSPORT = 4  # could not connect, or no answer in time (TransportError)
    INVALID_RESPONSE = 5  # an answer the SDK could not understand (InvalidResponseError)
    INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT
    BROKEN_PIPE = 141  # the reader of standard output went away (`| head`), as a shell reports SIGPIPE


def status_of(exc: MtGoxError) -> ExitStatus:
    # Most specific first: InvalidRequestError is also a ValueError, APIError subclasses share 1.
    for cls, status in (
        (InvalidRequestError, ExitStatus.USAGE),
        (ConfigurationError, ExitStatus.CONFIGURATION),
        (APIError, ExitStatus.API_ERROR),
        (TransportError, ExitStatus.TRANSPORT),
        (InvalidResponseError, ExitStatus.INVALID_RESPONSE),
    ):
        if isinstance(exc, cls):
            return status
    return ExitStatus.API_ERROR
