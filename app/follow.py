"""Which data version this process serves, and following the published one without a restart.

A request takes the `Snapshot` current when it arrives (pinned in its ASGI scope by `RacingApp`)
and uses that backend, version and cache key throughout, so no request sees a mix. Once a
second at most, a background task compares the pointer with what is served: `artifacts/current`
and the `racing.sqlite` beside it (a readlink and a stat), or `racing.current` in PostgreSQL (one
small query). When it moved, the new version is opened and verified off the event loop, and
only then swapped in; the old backend is closed a while later, when requests that took it have
finished. A version that cannot be opened is not switched to (the old one keeps serving); when
the served one itself is gone or damaged, the process goes unready: every data request and
`/ready` answer 503 with the reason, until a version opens again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import dataclass
from typing import Any

from app import logs
from app.backends import Backend, BackendUnavailable, Corrupt, open_backend
from app.marts import ContractMismatch, check_artifacts
from contract import CURRENT_LINK, POINTER_TABLE, SQLITE_FILE

CHECK_SECONDS = 1.0  # how often the pointer is compared with what is served
CLOSE_AFTER_SECONDS = 30.0  # an old backend outlives any request that took it
SCOPE_KEY = "racing.snapshot"


@dataclass(frozen=True)
class Snapshot:
    """The backend requests use now, or why there is none (`problem`)."""

    backend: Backend | None
    problem: str | None = None

    @property
    def data_version(self) -> str:
        return self.backend.data_version if self.backend is not None else "none"

    def require(self) -> Backend:
        if self.backend is None:
            raise BackendUnavailable(self.problem or "no data version is being served")
        return self.backend


NOT_STARTED = Snapshot(None, "starting")


def pinned(scope: Any) -> Snapshot:
    """The snapshot a request took when it arrived (the current one outside a request)."""
    snapshot = scope.get(SCOPE_KEY) if scope is not None else None
    if snapshot is None:
        follower = getattr(scope["app"].state, "follower", None) if scope else None
        snapshot = follower.snapshot if follower is not None else NOT_STARTED
    return snapshot


class Follower:
    def __init__(self, settings: Any, on_switch: Any = lambda _snapshot: None) -> None:
        self.settings = settings
        self.snapshot = NOT_STARTED
        self._on_switch = on_switch
        self._pointer: object = None
        self._refused: object = None  # the pointer last refused, so it is logged once
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._closing: set[asyncio.Task] = set()

    async def start(self) -> None:
        """Open what is published. A damaged artifact starts the process unready (503s that
        say why); anything else that prevents serving (nothing loaded, a database down,
        artifacts that do not fit the API) refuses the start, as before."""
        pointer = await self._read_pointer()
        try:
            backend = await self._open()
        except Corrupt as exc:
            self._become(Snapshot(None, str(exc)), pointer)
            logs.log_event("data_unavailable", logging.ERROR, reason=str(exc))
        else:
            self._become(Snapshot(backend), pointer)
        self._task = asyncio.create_task(self._run())

    def wake(self) -> None:
        """Check now rather than within the second (a query found its version gone)."""
        self._wake.set()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for task in list(self._closing):
            task.cancel()
        if self.snapshot.backend is not None:
            await self.snapshot.backend.close()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), CHECK_SECONDS)
            self._wake.clear()
            try:
                await self.check()
            except Exception:  # never let the follower die: the next tick tries again
                logging.getLogger(logs.LOGGER).exception("data_follow_failed")

    async def check(self) -> None:
        """Switch to the published version if it moved (or retry while unready)."""
        current = self.snapshot.backend
        gone = current is not None and getattr(current, "gone", False)
        pointer = await self._read_pointer()
        if current is not None and not gone and pointer == self._pointer:
            return
        if current is not None and not gone and pointer == self._refused:
            return  # already tried and refused; keep serving the old version
        try:
            backend = await self._open()
        except (BackendUnavailable, ContractMismatch) as exc:
            if isinstance(exc, Corrupt) and _same_target(pointer, self._pointer):
                gone = True  # the very file being served changed in place: never serve it
            if current is not None and not gone:
                self._refused = pointer
                logs.log_event(
                    "data_switch_refused",
                    logging.WARNING,
                    data_version=current.data_version,
                    reason=str(exc),
                )
            elif self.snapshot.problem != str(exc):
                self._retire(self.snapshot.backend)
                self._become(Snapshot(None, str(exc)), pointer)
                logs.log_event("data_unavailable", logging.ERROR, reason=str(exc))
            return
        old = self.snapshot
        self._become(Snapshot(backend), pointer)
        logs.log_event(
            "data_switch",
            backend=backend.name,
            data_version=backend.data_version,
            previous=old.data_version,
        )
        self._retire(old.backend)

    def _retire(self, backend: Backend | None) -> None:
        """Close a replaced backend once the requests that took it are done."""
        if backend is not None:
            task = asyncio.create_task(_close_later(backend))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    def _become(self, snapshot: Snapshot, pointer: object) -> None:
        self.snapshot = snapshot
        self._pointer = pointer
        self._refused = None
        self._on_switch(snapshot)

    async def _open(self) -> Backend:
        backend = await open_backend(self.settings)
        try:
            check_artifacts(backend.manifest)
        except ContractMismatch:
            await backend.close()
            raise
        return backend

    async def _read_pointer(self) -> object:
        """What names the published version: cheap enough to read every second."""
        if self.settings.backend == "postgres":
            backend = self.snapshot.backend
            if backend is None:
                return None
            try:
                rows = await backend.fetch_all(
                    f"select data_version, schema_name from {POINTER_TABLE}"
                )
            except BackendUnavailable:
                return self._pointer  # down: the outage handling answers; nothing to switch to
            return tuple(rows[0]) if rows else None
        link = self.settings.artifacts_dir / CURRENT_LINK
        try:
            target = os.readlink(link)
        except OSError:
            return None
        if self.settings.backend != "sqlite":
            return target
        try:
            stat = (link / SQLITE_FILE).stat()
        except OSError:
            return (target, None)
        return (target, stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _same_target(new: object, old: object) -> bool:
    """Whether two SQLite pointers name the same version directory."""
    return isinstance(new, tuple) and isinstance(old, tuple) and new[0] == old[0]


async def _close_later(backend: Backend) -> None:
    await asyncio.sleep(CLOSE_AFTER_SECONDS)
    await backend.close()
