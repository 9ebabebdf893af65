"""An asyncio event loop on a background thread, for the small servers tests and benchmarks run in-process."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Coroutine, Optional


class BackgroundLoop:
    def __init__(self) -> None:
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None

    def start(self, setup: Coroutine[Any, Any, Any]) -> None:
        """Run ``setup`` on a new loop in a daemon thread; returns once it has finished."""
        ready = threading.Event()

        def run() -> None:
            self.loop = asyncio.new_event_loop()
            self.loop.run_until_complete(setup)
            ready.set()
            self.loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)

    def call(self, coroutine: Coroutine[Any, Any, Any], timeout: float = 10) -> Any:
        """Run ``coroutine`` on the loop from another thread and wait for its result."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self, cleanup: Optional[Coroutine[Any, Any, Any]] = None) -> None:
        if self.loop is None:
            return
        if cleanup is not None:
            self.call(cleanup)
        self.loop.call_soon_threadsafe(self.loop.stop)
