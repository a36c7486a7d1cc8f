"""Registry parameters. The poverty and monitoring lines are declared in
fupin/core/param_defaults.py (shared with other domains)."""

from fupin.core.params import define

COMPULSORY_SCHOOL_AGE_FROM = define(
    "registry.compulsory_school_age_from", "义务教育起始年龄", 6, unit="岁", minimum=5, maximum=8
)
COMPULSORY_SCHOOL_AGE_TO = define(
    "registry.compulsory_school_age_to", "义务教育截止年龄", 15, unit="岁", minimum=14, maximum=18
)
