"""Imported only by the real workers of test_worker_crash.py: reports take a few
seconds longer to build, so that a test can kill the worker in the middle."""

import time

from reports import services

_original = services.build_report_file


def _slow(*, report, progress):  # type: ignore[no-untyped-def]
    progress(20, "Slowed down for the crash test")
    time.sleep(4)
    return _original(report=report, progress=progress)


services.build_report_file = _slow
