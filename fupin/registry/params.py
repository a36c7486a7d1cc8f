"""Registry parameters. The poverty and monitoring lines are declared in
fupin/core/param_defaults.py (shared with other domains)."""

from fupin.core.params import define

COMPULSORY_SCHOOL_AGE_FROM = define(
    "registry.compulsory_school_age_from", "义务教育起始年龄", 6, unit="岁", minimum=5, maximum=8
)
COMPULSORY_SCHOOL_AGE_TO = define(
    "registry.compulsory_school_age_to", "义务教育截止年龄", 15, unit="岁", minimum=14, maximum=18
)
IMPORT_REPORT_KEEP_DAYS = define(
    "registry.import_report_keep_days",
    "导入错误报告保留天数",
    30,
    unit="天",
    help="导入结束后错误报告保留的天数，过期由每日清理删除（导入记录保留）",
    minimum=1,
    maximum=3650,
)
