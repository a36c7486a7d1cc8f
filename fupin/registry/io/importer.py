"""Entry points of registry import (the benchmark and the command line import from here)."""

from .services import create_job, import_file, run_job

__all__ = ["create_job", "import_file", "run_job"]
