"""Dependencies point down (docs/architecture.md, STYLE): core ← platform apps ← registry ←
domains ← api/web/demo. Every module's imports (function-level ones too) are read with `ast`;
the checker fails on

- a module of fupin/core importing an app;
- a platform app importing the registry, a domain or a top app;
- the registry importing a domain or a top app;
- a domain importing another domain's (or the registry's) views, API or URL modules;
- raw SQL in a string literal writing another app's tables (INSERT INTO / UPDATE / DELETE
  FROM / TRUNCATE / COPY `<app>_…`).

Tests and migrations are not checked (tests wire apps together on purpose). The known
exceptions of today's code are listed below, each with its reason; the tests at the end feed
the checker synthetic modules to prove it reports what it should.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

FUPIN = Path(__file__).resolve().parents[2]

CORE = "core"
PLATFORM = frozenset({"accounts", "audit", "regions", "notifications"})
REGISTRY = "registry"
TOP = frozenset({"api", "web", "demo"})
NOT_DOMAINS = PLATFORM | TOP | {CORE, REGISTRY, "static", "templates"}

# Module names that are a domain's face rather than its services and selectors.
FACE = re.compile(r"^(views|api|urls|pages|urls_\w+|\w*views\w*)$")

WRITE_SQL = re.compile(
    r"\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?|COPY)\s+"
    r"(?:ONLY\s+)?\"?([a-z][a-z0-9]*)_[a-z0-9_]+",
    re.IGNORECASE,
)

# Known exceptions of today's code, each with its reason: (module, imported module).
KNOWN_IMPORTS: dict[tuple[str, str], str] = {}
# Apps whose SQL may write other apps' tables: the audit triggers write audit_* rows for
# every audited table, and are installed on them.
SQL_WRITERS = frozenset({"audit"})


@dataclass(frozen=True)
class Problem:
    module: str
    target: str
    why: str

    def __str__(self) -> str:
        return f"{self.module}: {self.why} ({self.target})"


def app_of(module: str) -> str | None:
    """fupin.<app>.… → <app>; None outside fupin (fupin.testing is the harness, no app)."""
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "fupin" or parts[1] == "testing":
        return None
    return parts[1]


def layer(app: str) -> int:
    if app == CORE:
        return 0
    if app in PLATFORM:
        return 1
    if app == REGISTRY:
        return 2
    if app in TOP:
        return 4
    return 3  # a domain


def imports_of(source: str, module: str, is_package: bool = False) -> Iterator[str]:
    """Absolute names of everything `source` imports, at any depth (relative ones resolved)."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            yield prefix
            for alias in node.names:  # `from fupin.x import views` imports a module
                if is_module(f"{prefix}.{alias.name}"):
                    yield f"{prefix}.{alias.name}"


def is_module(name: str) -> bool:
    path = FUPIN.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def sql_literals(source: str) -> Iterator[str]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


def check_module(source: str, module: str, is_package: bool = False) -> list[Problem]:
    own = app_of(module)
    if own is None:
        return []
    problems: list[Problem] = []
    for target in sorted(set(imports_of(source, module, is_package))):
        other = app_of(target)
        if other is None or other == own:
            continue
        if (module, target) in KNOWN_IMPORTS:
            continue
        if other in NOT_DOMAINS - {CORE} and other not in PLATFORM | TOP | {REGISTRY}:
            continue  # static/templates are folders, not modules
        mine, theirs = layer(own), layer(other)
        if own == CORE:
            problems.append(Problem(module, target, "fupin.core imports an app"))
        elif theirs > mine and mine < 3:
            problems.append(Problem(module, target, "imports upward"))
        elif mine == 3 and theirs == 4:
            problems.append(Problem(module, target, "a domain imports a top app"))
        elif (
            mine == 3
            and theirs in (2, 3)
            and any(FACE.match(part) for part in target.split(".")[2:])
        ):
            problems.append(Problem(module, target, "imports another app's views/API/URLs"))
    if own not in SQL_WRITERS:
        for text in sql_literals(source):
            for match in WRITE_SQL.finditer(text):
                label = match.group(1).lower()
                if label != own and label in ALL_APPS:
                    problems.append(
                        Problem(module, match.group(0), f"raw SQL writes {label}'s tables")
                    )
    return problems


ALL_APPS = frozenset(p.name for p in FUPIN.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def project_modules() -> Iterator[tuple[Path, str, bool]]:
    for path in sorted(FUPIN.rglob("*.py")):
        rel = path.relative_to(FUPIN.parent)
        if {"tests", "migrations"} & set(rel.parts):
            continue
        parts = list(rel.with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        yield path, ".".join(parts), is_package


def project_problems() -> list[Problem]:
    problems: list[Problem] = []
    for path, module, is_package in project_modules():
        problems += check_module(path.read_text(encoding="utf-8"), module, is_package)
    return problems


def test_the_project_keeps_its_layers() -> None:
    problems = project_problems()
    assert not problems, "\n".join(map(str, problems))


def test_known_exceptions_are_still_needed() -> None:
    """An exception that no longer occurs is struck from the list."""
    seen = {
        (module, target)
        for path, module, is_package in project_modules()
        for target in imports_of(path.read_text(encoding="utf-8"), module, is_package)
    }
    assert set(KNOWN_IMPORTS) <= seen, set(KNOWN_IMPORTS) - seen


def test_the_checker_reads_every_module() -> None:
    modules = {module for _, module, _ in project_modules()}
    assert {"fupin.core.rules", "fupin.registry.status", "fupin.supervision.engine"} <= modules
    assert not any(".tests" in m or ".migrations" in m for m in modules)


# --- the checker itself can fail -----------------------------------------------------------------


def reported(source: str, module: str) -> list[str]:
    return [p.why for p in check_module(source, module)]


def test_core_importing_an_app_is_reported_even_inside_a_function() -> None:
    source = "def f():\n    from fupin.registry.models import Household\n    return Household\n"
    assert reported(source, "fupin.core.params") == ["fupin.core imports an app"]
    assert reported("import fupin.workflows.engine\n", "fupin.core.rules") == [
        "fupin.core imports an app"
    ]
    assert reported("from fupin.core import params\n", "fupin.core.rules") == []
    assert reported("from fupin.testing import make_user\n", "fupin.core.x") == []


def test_upward_imports_are_reported() -> None:
    assert "imports upward" in reported("from fupin.registry import services\n", "fupin.audit.x")
    assert "imports upward" in reported("from fupin.workflows import engine\n", "fupin.registry.x")
    assert "imports upward" in reported("from fupin.web import nav\n", "fupin.regions.services")
    assert reported("from fupin.regions.models import Region\n", "fupin.registry.x") == []
    assert reported("from fupin.registry import services\n", "fupin.workflows.x") == []


def test_a_domain_reaching_into_another_domains_face_is_reported() -> None:
    why = "imports another app's views/API/URLs"
    assert why in reported("from fupin.workflows.views import cases\n", "fupin.supervision.x")
    assert why in reported("from fupin.workflows import api\n", "fupin.supervision.x")
    assert why in reported("from fupin.registry.pages import views\n", "fupin.assets.x")
    assert why in reported("from fupin.workflows.urls_cases import x\n", "fupin.supervision.x")
    assert why in reported(
        "def f():\n    from ..workflows.api import cases\n", "fupin.supervision.x"
    )
    assert reported("from fupin.workflows import engine, services\n", "fupin.supervision.x") == []
    assert reported("from .views import alerts\n", "fupin.supervision.urls") == []
    assert "a domain imports a top app" in reported("import fupin.demo\n", "fupin.workflows.x")


def test_raw_sql_writing_another_apps_table_is_reported() -> None:
    source = 'SQL = """WITH x AS (INSERT INTO workflows_case (id) VALUES (1)) SELECT 1"""\n'
    assert reported(source, "fupin.supervision.engine") == ["raw SQL writes workflows's tables"]
    for statement in (
        "UPDATE registry_household SET x = 1",
        "delete from registry_member",
        "TRUNCATE TABLE registry_income",
        "COPY registry_member (id) FROM STDIN",
    ):
        assert reported(f"q = {statement!r}\n", "fupin.workflows.x"), statement
    assert reported("q = 'UPDATE supervision_alert SET x = 1'\n", "fupin.supervision.x") == []
    assert reported("q = 'SELECT * FROM registry_household'\n", "fupin.supervision.x") == []
    assert reported("q = 'INSERT INTO audit_auditevent VALUES (1)'\n", "fupin.audit.sql") == []
    assert reported("q = 'INSERT INTO pg_temp.x VALUES (1)'\n", "fupin.registry.x") == []
