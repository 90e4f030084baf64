"""Long kernels release the GIL: checked inside the kernel (PyGILState_Check), and two threads
running kernels concurrently get the same numbers as one thread."""
import threading

import numpy as np

import rtrisk
from rtrisk import _core


def test_kernels_run_without_the_gil():
    R = np.random.default_rng(1).normal(0, 0.01, (1000, 50))
    w = np.full(50, 0.02)
    rtrisk.var(R, w)
    assert _core._last_kernel_released_gil()
    rtrisk.bsm(np.linspace(50, 150, 1000), 100.0, 1.0, 0.01, 0.0, 0.2)
    assert _core._last_kernel_released_gil()
    rtrisk.component_var(R, w, method="gaussian")
    assert _core._last_kernel_released_gil()


def test_two_threads_compute_concurrently_and_correctly():
    R = np.random.default_rng(2).normal(0, 0.01, (2500, 2000))
    weights = [np.random.default_rng(10 + i).uniform(-1, 1, 2000) for i in range(2)]
    expected = [rtrisk.var(R, w) for w in weights]
    results = [[] for _ in weights]
    barrier = threading.Barrier(2)

    def work(i):
        barrier.wait()
        for _ in range(20):
            results[i].append(rtrisk.var(R, weights[i]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(2):
        assert results[i] == [expected[i]] * 20
