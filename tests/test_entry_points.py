"""A deployment's entry points run the production settings; manage.py runs development."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOW = (
    "import os, {module}; from django.conf import settings; "
    "print(os.environ['DJANGO_SETTINGS_MODULE'], settings.DEBUG)"
)


def run(code: list[str]) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(DJANGO_SECRET_KEY="entry-" + "k" * 50, FUPIN_DATA_KEY="A" * 43 + "=")
    result = subprocess.run(  # noqa: S603
        [sys.executable, *code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[-2] + " " + result.stdout.split()[-1]


@pytest.mark.parametrize("module", ["config.wsgi", "config.asgi"])
def test_server_entry_points_default_to_production(module: str) -> None:
    assert run(["-c", SHOW.format(module=module)]) == "config.settings.production False"


def test_manage_py_defaults_to_development() -> None:
    code = "from django.conf import settings; print(settings.SETTINGS_MODULE, settings.DEBUG)"
    assert run(["manage.py", "shell", "-c", code]) == "config.settings.base True"
