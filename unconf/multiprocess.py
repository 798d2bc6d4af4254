"""The directory where the workers of ``unconf serve --workers N`` write their metrics samples.

prometheus-client decides at its first import whether samples live in memory or in this directory,
so ``unconf serve`` calls ``prepare_metrics_dir`` before anything imports it (this module does not).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import NamedTuple

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


class MetricsDir(NamedTuple):
    path: str
    created: bool


def prepare_metrics_dir() -> MetricsDir:
    """A fresh, empty directory for the workers' samples, named in ``PROMETHEUS_MULTIPROC_DIR``.

    An operator may name the directory; it is emptied at each start, as prometheus-client asks, so
    counts from a previous run do not linger. Otherwise a temporary one is made (and removed at exit).
    """
    named = os.environ.get(MULTIPROC_ENV, "")
    target = Path(named or tempfile.mkdtemp(prefix="unconf-metrics-"))
    target.mkdir(parents=True, exist_ok=True)
    for child in target.iterdir():
        if child.is_file() and child.suffix == ".db":
            child.unlink()
    os.environ[MULTIPROC_ENV] = str(target)
    return MetricsDir(str(target), created=not named)


def remove_metrics_dir(found: MetricsDir) -> None:
    if found.created:
        shutil.rmtree(found.path, ignore_errors=True)
