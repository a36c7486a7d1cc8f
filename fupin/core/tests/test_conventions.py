"""House conventions that a linter does not hold on its own, checked over the source tree.

Ruff's DTZ rules flag `date.today()` and naive `datetime.now()`, but a `# noqa` silences them
and a bare reference (`default_factory=dt.date.today`) is not a call; these tests read the
syntax tree, so neither form slips through.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ("fupin", "bench")


def _modules(*tops: str) -> Iterator[tuple[Path, ast.Module]]:
    for top in tops:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _dotted(node: ast.expr) -> str:
    """`dt.date.today` → "dt.date.today"; anything else that is not a name chain → ""."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    parts.append(node.id)
    return ".".join(reversed(parts))


def _is_naive_clock(node: ast.AST) -> bool:
    """A read of the server's wall clock without a time zone."""
    if isinstance(node, ast.Attribute):
        name = _dotted(node)
        if name.endswith(("date.today", "datetime.today", "datetime.utcnow")):
            return True
    if isinstance(node, ast.Call) and not node.args and not node.keywords:
        return _dotted(node.func).endswith("datetime.now")
    return False


def test_time_is_read_in_the_configured_zone() -> None:
    """In a UTC container `date.today()` is yesterday until 08:00 Beijing time; the house reads
    `timezone.localdate()` / `timezone.now()` / `timezone.localtime()` instead."""
    found = [
        f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
        for path, tree in _modules(*SOURCES)
        for node in ast.walk(tree)
        if _is_naive_clock(node)
    ]
    assert found == []


# Files that may touch os.environ, and why: it is not configuration they read.
ENVIRONMENT_ALLOWED = {
    # A worker process inherits this one's environment, with its database and media folder.
    "fupin/registry/io/services.py",
}


def _reads_environment(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute):
        return _dotted(node) in ("os.environ", "os.getenv", "os.environb")
    if isinstance(node, ast.ImportFrom) and node.module == "os":
        return any(alias.name in ("environ", "getenv", "environb") for alias in node.names)
    return False


def test_only_settings_read_the_environment() -> None:
    """config/settings reads every variable into a setting; code reads `settings.X`, so
    tests override a setting and one place lists what a deployment may set."""
    found = [
        f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
        for path, tree in _modules("fupin")
        if str(path.relative_to(ROOT)) not in ENVIRONMENT_ALLOWED and "tests" not in path.parts
        for node in ast.walk(tree)
        if _reads_environment(node)
    ]
    assert found == []
