"""Users, roles as data, and grants: a user holds a role in a region (SPEC §0)."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.postgres.fields import ArrayField
from django.db import models

from fupin.core.access import permission_choices
from fupin.regions.models import Level, Region


class User(AbstractUser):
    """Staff user. Logs in with the username or the mobile phone number."""

    real_name = models.CharField("姓名", max_length=50, blank=True, default="")
    phone = models.CharField("手机号码", max_length=11, unique=True, null=True, blank=True)
    unit = models.ForeignKey(
        "regions.Organisation",
        verbose_name="所在单位",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )
    title = models.CharField("职务", max_length=100, blank=True, default="")
    must_change_password = models.BooleanField("须修改密码", default=False)
    version = models.PositiveIntegerField("版本", default=1)
    # Who last edited the account and when: a stale edit's 409 names them (core.versioning).
    updated_at = models.DateTimeField("更新时间", auto_now=True, null=True)
    updated_by = models.ForeignKey(
        "self",
        verbose_name="更新人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects: ClassVar[UserManager[User]] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = "用户"
        ordering = ["username"]

    def __str__(self) -> str:
        return self.real_name or self.username

    @property
    def label(self) -> str:
        return f"{self.real_name}（{self.username}）" if self.real_name else self.username


class Role(models.Model):
    """A role of SPEC §0. `rank` orders roles for delegation: a manager grants only roles of
    rank >= their own (a larger number is a lower role)."""

    code = models.SlugField("代码", max_length=40, primary_key=True)
    name = models.CharField("名称", max_length=50)
    description = models.CharField("职责", max_length=200, blank=True, default="")
    rank = models.PositiveSmallIntegerField("级别序号", default=50)
    levels = ArrayField(
        models.PositiveSmallIntegerField(choices=Level.choices),
        verbose_name="可授予的区划层级",
        default=list,
        blank=True,
    )
    permissions = ArrayField(
        models.CharField(max_length=40, choices=permission_choices),
        verbose_name="权限",
        default=list,
        blank=True,
    )
    read_only = models.BooleanField("只读角色", default=False)
    is_system_admin = models.BooleanField("系统管理员", default=False)
    sort = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "角色"
        ordering = ["sort", "rank", "code"]

    def __str__(self) -> str:
        return self.name


class PermissionSeed(models.Model):
    """A permission already granted to its default roles: the post-migrate sync grants a
    declared permission once, so a grant an administrator later removes stays removed."""

    code = models.CharField("权限", max_length=40, primary_key=True)
    seeded_at = models.DateTimeField("授予时间", auto_now_add=True)

    class Meta:
        verbose_name = "已初始化的权限"

    def __str__(self) -> str:
        return self.code


class Grant(models.Model):
    user = models.ForeignKey(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="grants"
    )
    role = models.ForeignKey(
        Role, verbose_name="角色", on_delete=models.PROTECT, related_name="grants"
    )
    region = models.ForeignKey(
        Region, verbose_name="管辖区划", on_delete=models.PROTECT, related_name="grants"
    )
    granted_by = models.ForeignKey(
        User,
        verbose_name="授权人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("授权时间", auto_now_add=True)

    class Meta:
        verbose_name = "授权"
        ordering = ["user", "region_id", "role__rank"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region"], name="grant_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.region}"


class ApiToken(models.Model):
    """Bearer token for the API. Only a SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="tokens"
    )
    name = models.CharField("用途", max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField("前缀", max_length=8)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    expires_at = models.DateTimeField("失效时间", null=True, blank=True)
    revoked = models.BooleanField("已吊销", default=False)

    class Meta:
        verbose_name = "接口令牌"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
