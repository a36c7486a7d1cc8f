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
