"""Running network calls off the main thread with QgsTask.

``run()`` happens on a worker thread: it only calls the given function and
keeps its result or its exception. ``finished()`` happens on the main thread
and hands either to the callback there. A task that raised is reported, not
re-raised: an exception escaping ``run()`` would take QGIS down.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from qgis.core import QgsApplication, QgsTask

LOG = logging.getLogger(__name__)

# Tasks alive right now: QGIS holds only a C++ pointer, so Python must keep
# the wrapper or it is collected while the task still runs.
_RUNNING: set[CallableTask] = set()


class CallableTask(QgsTask):
    """Calls ``work()`` off the main thread, then ``done(result, error)`` on it."""

    def __init__(
        self,
        description: str,
        work: Callable[[], Any],
        done: Callable[[Any, BaseException | None], None],
    ) -> None:
        super().__init__(description, QgsTask.Flag.CanCancel)
        self._work = work
        self._done = done
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> bool:
        try:
            self.result = self._work()
        except Exception as exc:
            self.error = exc
        return True

    def finished(self, completed: bool) -> None:
        _RUNNING.discard(self)
        if self.isCanceled():
            LOG.info("%s: cancelled", self.description())
            return
        if not completed and self.error is None:
            self.error = RuntimeError(f"{self.description()} did not complete.")
        self._done(self.result, self.error)


def run_in_background(
    description: str,
    work: Callable[[], Any],
    done: Callable[[Any, BaseException | None], None],
) -> CallableTask:
    """Start ``work`` on QGIS's task manager and return the task."""
    task = CallableTask(description, work, done)
    _RUNNING.add(task)
    QgsApplication.taskManager().addTask(task)
    return task
