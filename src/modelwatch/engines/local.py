"""The local engine: profile a dataset's chunks on every core and merge the chunk profiles.

Each chunk is read and profiled in its own process and comes back as a serialized profile; merging
those is the same path a cluster engine takes with per-partition profiles. Small inputs (one chunk)
stay in this process: starting workers would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed

from modelwatch.process import exit_quietly_at_interpreter_exit
from modelwatch.profiling.profile import Profile
from modelwatch.readers import Chunk, DatasetSpec, plan_chunks, read_chunk

Progress = Callable[[int, int], None]
"""Called with (chunks done, chunks in all) as chunks finish."""

CHUNK_BYTES = 64 * 2**20


def profile_dataset(
    spec: DatasetSpec,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> Profile:
    """The profile of every row of the dataset."""
    chunks = plan_chunks(spec, chunk_bytes)
    workers = min(workers or os.cpu_count() or 1, len(chunks))
    report = progress or (lambda done, total: None)
    report(0, len(chunks))
    if workers <= 1:
        profile = Profile()
        for done, chunk in enumerate(chunks, start=1):
            profile = profile.merge(_profile(spec, chunk))
            report(done, len(chunks))
        return profile
    results: list[Profile | None] = [None] * len(chunks)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=exit_quietly_at_interpreter_exit
    ) as pool:
        futures = {pool.submit(profile_chunk, spec, chunk): index for index, chunk in enumerate(chunks)}
        for done, future in enumerate(as_completed(futures), start=1):
            results[futures[future]] = Profile.from_bytes(future.result())
            report(done, len(chunks))
    merged = Profile()
    for result in results:
        assert result is not None
        merged = merged.merge(result)
    return merged


def profile_chunk(spec: DatasetSpec, chunk: Chunk) -> bytes:
    """Worker entry point: one chunk's profile, serialized for the trip back."""
    return _profile(spec, chunk).to_bytes()


def _profile(spec: DatasetSpec, chunk: Chunk) -> Profile:
    profile = Profile()
    for batch in read_chunk(spec, chunk):
        profile.update(batch)
    return profile
