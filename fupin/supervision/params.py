"""Supervision parameters."""

from fupin.core.params import define

DEADLINE_DAYS = define(
    "supervision.deadline_days",
    "督办整改默认期限",
    15,
    unit="天",
    help="下发督办通知时未指定期限的，按此天数计算整改期限",
    minimum=1,
    maximum=180,
)
SWEEP_HOUR = define(
    "supervision.sweep_hour",
    "预警规则每日巡检时间",
    2,
    unit="时",
    help="调度进程每天在该整点运行全部预警规则",
    minimum=0,
    maximum=23,
)
DIGEST_WEEKDAY = define(
    "supervision.digest_weekday",
    "重点工作周报发送日",
    1,
    unit="星期",
    help="1 为星期一，7 为星期日",
    minimum=1,
    maximum=7,
)
