"""The region directory the platform layer reads through, filled in by the regions app.

Core sits below every app, so it cannot import the division tree; what it needs of it (does a
code exist, what is its name) it asks this directory, which `fupin.regions` registers in its
`AppConfig.ready()`. Until then (e.g. a bare core in a unit test) no region is known.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class RegionDirectory(Protocol):
    def exists(self, code: str) -> bool: ...

    def names(self, codes: Iterable[str]) -> dict[str, str]: ...


class _Empty:
    def exists(self, code: str) -> bool:
        return False

    def names(self, codes: Iterable[str]) -> dict[str, str]:
        return {}


_directory: RegionDirectory = _Empty()


def register_region_directory(directory: RegionDirectory) -> None:
    global _directory
    _directory = directory


def region_exists(code: str) -> bool:
    return _directory.exists(code)


def region_names(codes: Iterable[str]) -> dict[str, str]:
    return _directory.names(codes)
