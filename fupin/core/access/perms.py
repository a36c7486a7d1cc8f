"""Permissions: the platform's kernel of codes, and each app's declaration of what it brings.

A permission is a string code (`household.view`). The `Perm` enum names the codes the
platform and its first domains rely on, so code says `Perm.HOUSEHOLD_VIEW`; every app
declares the permissions it uses — its own codes with their labels, and the roles that hold
them by default — in its `AppConfig.ready()` with `declare_permissions(...)` (SPEC §0, STYLE
rule 6). Roles are data (`accounts.Role`); after every migrate the accounts app grants each
newly declared permission to its default roles (and to every system-administrator role), so
a permission added by a new app reaches existing databases too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import models


class Perm(models.TextChoices):
    REGION_VIEW = "region.view", "查看区划与村情"
    REGION_EDIT = "region.edit", "维护村情、战区与指挥体系"
    ORG_VIEW = "org.view", "查看组织机构"
    ORG_EDIT = "org.edit", "维护组织机构"
    USER_VIEW = "user.view", "查看用户"
    USER_MANAGE = "user.manage", "管理用户与授权"
    PARAM_VIEW = "param.view", "查看参数"
    PARAM_EDIT = "param.edit", "修改参数"
    AUDIT_VIEW = "audit.view", "查看审计日志"
    PERSONAL_DATA_VIEW = "personal.view", "查看完整个人信息（身份证号、电话、银行账号）"
    HEALTH_VIEW = "health.view", "查看健康与残疾信息"
    HOUSEHOLD_VIEW = "household.view", "查看建档立卡户"
    HOUSEHOLD_EDIT = "household.edit", "录入和修改建档立卡户"
    CASE_VIEW = "case.view", "查看识别/退出/监测案件"
    CASE_ACT = "case.act", "办理识别/退出/监测案件"
    ALERT_VIEW = "alert.view", "查看预警"
    ALERT_ACT = "alert.act", "处置预警与督办"
    SUPERVISE = "supervise", "再监督"


# Role codes the apps' default grants name again and again (the roles themselves are the
# accounts app's data): every staff role that reads its jurisdiction, and the roles that work
# cases, households and alerts.
STAFF_READERS: tuple[str, ...] = (
    "poverty_office",
    "discipline",
    "industry",
    "audit_finance",
    "township",
    "village",
    "first_secretary",
    "helper",
    "viewer",
)
CASE_WORKERS: tuple[str, ...] = ("poverty_office", "township", "village", "first_secretary")


@dataclass(frozen=True)
class Permission:
    code: str
    label: str
    app: str
    default_roles: tuple[str, ...]

    @property
    def is_read(self) -> bool:
        return self.code.endswith(".view")


_DECLARED: dict[str, Permission] = {}


def declare_permissions(
    app: str,
    grants: Mapping[str, Iterable[str]],
    *,
    labels: Mapping[str, str] | None = None,
) -> None:
    """Declare the permissions `app` brings: code → the role codes holding it by default.

    A `Perm` member carries its label; a new code needs one in `labels`. Declaring a code
    twice from the same app (a reloaded module) is harmless; from two apps it is an error.
    """
    labels = labels or {}
    for code, roles in grants.items():
        code = str(code)
        label = labels.get(code) or (Perm(code).label if code in Perm.values else "")
        if not label:
            raise ValueError(f"permission {code!r} of {app} needs a label")
        known = _DECLARED.get(code)
        if known is not None and known.app != app:
            raise ValueError(f"permission {code!r} is declared by {known.app} and {app}")
        _DECLARED[code] = Permission(code, str(label), app, tuple(roles))


def declared_permissions() -> list[Permission]:
    """Every declared permission, in declaration order."""
    return list(_DECLARED.values())


def all_permission_codes() -> frozenset[str]:
    return frozenset(_DECLARED) | frozenset(Perm.values)


def permission_choices() -> list[tuple[str, str]]:
    """(code, label) of every permission, for the role editor and model field choices."""
    seen = {p.code: p.label for p in _DECLARED.values()}
    for member in Perm:
        seen.setdefault(member.value, str(member.label))
    return list(seen.items())


def permission_label(code: str) -> str:
    return dict(permission_choices()).get(code, code)


def read_permissions() -> frozenset[str]:
    return frozenset(code for code in all_permission_codes() if code.endswith(".view"))
