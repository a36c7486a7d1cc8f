from fupin.core.params import define

LOGIN_FAILURE_LIMIT = define(
    "accounts.login_failure_limit",
    "登录失败锁定次数",
    5,
    unit="次",
    help="连续登录失败达到该次数后账号被临时锁定",
    minimum=3,
    maximum=20,
)

TOKEN_DEFAULT_DAYS = define(
    "accounts.token_default_days",
    "接口令牌默认有效期",
    90,
    unit="天",
    help="创建接口令牌时未填写失效时间的，自创建起按该天数失效",
    minimum=1,
    maximum=3650,
)

TOKEN_MAX_DAYS = define(
    "accounts.token_max_days",
    "接口令牌最长有效期",
    365,
    unit="天",
    help="接口令牌的失效时间最晚为创建后该天数",
    minimum=1,
    maximum=3650,
)
