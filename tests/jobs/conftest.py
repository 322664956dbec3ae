"""Fixtures of the jobs tests: the API's `client` (scenario S loaded, a coordinator signed in)."""

from tests.api.conftest import client

__all__ = ["client"]
