"""Run every benchmark in bench/ in turn."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script in sorted(HERE.glob("*.py")):
    if script.name.startswith("_") or script.name == "run_all.py":
        continue
    print(f"\n== {script.name}")
    subprocess.run([sys.executable, str(script)], check=True)
