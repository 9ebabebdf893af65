"""The security suite runs against the same kind of running stack as the integration tests (``launched_bot``,
started exactly as ``python -m bot serve`` starts the servers) and replays each finding of issue 15."""

from __future__ import annotations

from tests.integration.conftest import platform, running_bot, staff_token  # noqa: F401 - a running bot of its own
