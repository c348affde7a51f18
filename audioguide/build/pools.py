"""Where the build's work runs: a pool of worker processes, or this process for small builds."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any, TypeVar

from audioguide.build.workers import init_worker

T = TypeVar("T")


def worker_pool(jobs: int) -> ProcessPoolExecutor:
    """`jobs` worker processes, each allowed its share of the cores for inference."""
    # forkserver: workers start clean, never inheriting ONNX Runtime threads or eSpeak state.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["audioguide.build.workers"])
    cores = os.cpu_count() or 1
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=context,
        initializer=init_worker,
        initargs=(os.getpid(), max(1, cores // jobs)),
    )


class InlineExecutor(Executor):
    """Runs each task at once in this process: starting worker processes costs about 0.3 s,
    more than a one-sentence rebuild needs in all."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # delivered through the future, as a pool would
            future.set_exception(exc)
        return future
