"""The import engine: stage → check → apply, all-or-nothing and resumable.

1. Stage: the file is streamed in chunks; each chunk's parsed rows (plain tuples) and cell
   errors are COPY'd into per-job UNLOGGED tables `registry_stage_<job>_{hh,mem,err,prog}` in
   one transaction together with the progress counter, so a killed worker resumes after the
   last committed chunk. (If PostgreSQL itself crashes, unlogged tables come back empty, the
   progress row with them, and staging restarts from the top — still consistent.)
2. Check: set-based SQL over the staged rows (duplicates in the file and against the registry,
   jurisdiction, orphans, constraints), then the rule catalogue per household bundle built
   from lightweight row objects, page by page.
3. Apply: only with zero errors, one transaction writes registry_household / member / income
   with INSERT … SELECT (and UPDATE … FROM in upsert mode) under an audit batch.

Modules: `base` (the tables, staging, shared helpers), `checks`, `apply`, and `job` (the
Importer that runs a job through all three and writes the error report).
"""

from .base import CHUNK_ROWS
from .job import Importer

__all__ = ["CHUNK_ROWS", "Importer"]
