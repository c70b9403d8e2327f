"""The pytest plugin: `pytest_plugins = ["mtgox_sandbox.fixture"]` gives the `sandbox` and
`sandbox_session` fixtures, the `--mtgox-catalogue=PATH` option and the `mtgox_catalogue` ini
setting, and the `sandbox(catalogue=..., **options)` marker (server/fixture.py holds them)."""

from .server.fixture import Sandbox, pytest_addoption, pytest_configure, sandbox, sandbox_session

__all__ = ["Sandbox", "pytest_addoption", "pytest_configure", "sandbox", "sandbox_session"]
