"""The pytest plugin: `pytest_plugins = ["mtgox_sandbox.fixture"]` gives the `sandbox` and
`sandbox_session` fixtures (server/fixture.py holds them)."""

from .server.fixture import Sandbox, pytest_configure, sandbox, sandbox_session

__all__ = ["Sandbox", "pytest_configure", "sandbox", "sandbox_session"]
