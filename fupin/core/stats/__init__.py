"""Dashboard figures declared once, stored as small rollups, kept current and verified.

An app declares its figures in `register()` (`declare_figure(Figure(...))`); pages read them
with `read()`; `manage.py stats_verify` recomputes them from raw rows. See figures.py for the
declaration, models.py for the store, maintain.py for how rollups stay current.
"""

from .figures import ALL_LEVELS, Figure, declare_figure, figure, figures
from .maintain import Difference, compact, delta_sql, nightly, rebuild, refresh, verify
from .read import Reading, child_level, periods, read

__all__ = [
    "ALL_LEVELS",
    "Difference",
    "Figure",
    "Reading",
    "child_level",
    "compact",
    "declare_figure",
    "delta_sql",
    "figure",
    "figures",
    "nightly",
    "periods",
    "read",
    "rebuild",
    "refresh",
    "verify",
]
