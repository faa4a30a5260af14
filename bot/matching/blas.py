"""Keep BLAS to one thread inside the engine's worker threads.

Two worker threads each calling a multi-threaded OpenBLAS matrix product oversubscribe a 2-core machine
(measured: candidate generation 2.3× slower). OpenBLAS ≥ 0.3.27 has a per-thread setting,
``openblas_set_num_threads_local``; this finds numpy's bundled OpenBLAS and uses it. Anything else (another
BLAS, an older OpenBLAS, no library found) leaves BLAS as it is: slower, never wrong.
"""

from __future__ import annotations

import ctypes
import glob
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache

import numpy as np


@cache
def _set_local() -> Callable[[int], int] | None:
    base = os.path.dirname(os.path.dirname(os.path.abspath(np.__file__)))
    for path in sorted(glob.glob(os.path.join(base, "numpy.libs", "*openblas*.so*"))):
        try:
            lib = ctypes.CDLL(path)
            fn = lib.openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        fn.argtypes = [ctypes.c_int]
        fn.restype = ctypes.c_int

        def call(n: int, fn: ctypes._NamedFuncPointer = fn) -> int:
            return int(fn(n))

        return call
    return None


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Within the block, BLAS calls made by *this* thread use one thread."""
    setter = _set_local()
    if setter is None:
        yield
        return
    previous = setter(1)
    try:
        yield
    finally:
        setter(max(previous, 1))
