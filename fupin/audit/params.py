"""Parameters of the audit trail (SPEC §10: kept at least six months)."""

from fupin.core.params import define

RETENTION_DAYS = define(
    "audit.retention_days",
    "审计日志保留天数",
    180,
    unit="天",
    help="超过保留期的审计记录可由 purge_audit 命令清理；不得少于 180 天（6 个月）",
    minimum=180,
)
