"""Code lists (代码表) as data: the system administrator edits labels and order, and adds
items to the lists that allow it (SPEC §0); the values the platform's logic relies on stay
defined in code (the TextChoices of `fupin.registry.codes`) and are seeded as builtin rows.

Reading: `choices(codes.Cause)`, `active_choices(...)`, `label(codes.Cause, "illness")`, and
`FieldChoices("Cause")` as a model field's `choices` (Django evaluates it lazily, so
`get_FOO_display`, model forms and templates follow the data).

Reads go through a small process-local cache (TTL_SECONDS). A write through this module
drops it at once in this process (other processes follow within the TTL); inside the
transaction that wrote, reads see that transaction's own rows and never leave them in the
shared cache, so a rolled-back edit (a failed request, every test) leaves nothing behind.
Before the table exists (a fresh database during `migrate` or the system checks) the
TextChoices are used, without running a failing query.
"""

from __future__ import annotations

import functools
import re
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections, transaction
from django.db.models import F, Max, TextChoices
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.deconstruct import deconstructible

from fupin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

if TYPE_CHECKING:
    from fupin.accounts.scope import Actor
    from fupin.core.models import CodeItem

TTL_SECONDS = 30.0
TABLE = "core_codeitem"
VALUE_RE = re.compile(r"^[a-z0-9_]+$")
LABEL_MAX = 50
POSITION_MAX = 99_999


@dataclass(frozen=True)
class CodeList:
    key: str  # the TextChoices class name
    codes: type[TextChoices]
    title: str
    # Whether administrators may add items; the others only take label and order edits.
    extensible: bool = False
    # The shortest max_length of the model fields that store the list's values.
    max_length: int | None = None


@functools.cache
def code_lists() -> dict[str, CodeList]:
    """The registered lists, key → CodeList, in display order."""
    from fupin.registry import codes

    lists = [
        CodeList("Attribute", codes.Attribute, "贫困户属性"),
        CodeList("Standard", codes.Standard, "识别标准"),
        CodeList("Cause", codes.Cause, "致贫原因", extensible=True, max_length=20),
        CodeList("Status", codes.Status, "贫困户状态"),
        CodeList("MonitoringCategory", codes.MonitoringCategory, "监测对象类别"),
        CodeList("MonitoringStatus", codes.MonitoringStatus, "监测状态"),
        CodeList("HousingGrade", codes.HousingGrade, "住房安全等级"),
        CodeList("RoadSurface", codes.RoadSurface, "入户路类型", extensible=True, max_length=10),
        CodeList("Fuel", codes.Fuel, "主要燃料类型", extensible=True, max_length=12),
        CodeList("Relation", codes.Relation, "与户主关系"),
        CodeList(
            "PoliticalStatus", codes.PoliticalStatus, "政治面貌", extensible=True, max_length=12
        ),
        CodeList("Education", codes.Education, "文化程度"),
        CodeList("Schooling", codes.Schooling, "在校生状况"),
        CodeList("Health", codes.Health, "健康状况"),
        CodeList("Labour", codes.Labour, "劳动技能"),
        CodeList("EmploymentTier", codes.EmploymentTier, "务工区域"),
        CodeList("MemberChangeKind", codes.MemberChangeKind, "成员变更类型"),
    ]
    return {cl.key: cl for cl in lists}


ListRef = str | type[TextChoices]


def _registered(cls: ListRef) -> CodeList | None:
    """The registered list for a key or a TextChoices class (None for another class, e.g. a
    workflows TextChoices that happens to share a name)."""
    if isinstance(cls, str):
        try:
            return code_lists()[cls]
        except KeyError as exc:
            raise LookupError(f"unknown code list {cls!r}") from exc
    found = code_lists().get(cls.__name__)
    return found if found is not None and found.codes is cls else None


# --- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    value: str
    label: str
    active: bool
    builtin: bool


@dataclass
class _Snapshot:
    items: dict[str, list[Item]]
    labels: dict[str, dict[str, str]]
    loaded_at: float


def _snapshot_of(rows: list[tuple[str, str, str, bool, bool]]) -> _Snapshot:
    """Rows (list_key, value, label, active, builtin) in display order → a snapshot; builtin
    values missing from the table (code ahead of the seed) follow with their code labels."""
    items: dict[str, list[Item]] = {key: [] for key in code_lists()}
    for key, value, label, active, builtin in rows:
        if key in items:
            items[key].append(Item(value, label, active, builtin))
    for key, cl in code_lists().items():
        present = {i.value for i in items[key]}
        items[key].extend(
            Item(str(v), str(lbl), True, True) for v, lbl in cl.codes.choices if v not in present
        )
    labels = {key: {i.value: i.label for i in its} for key, its in items.items()}
    return _Snapshot(items, labels, time.monotonic())


@functools.cache
def _fallback() -> _Snapshot:
    return _snapshot_of([])


_cache: dict[str, _Snapshot] = {}  # alias → committed rows, shared by the process's threads
_tables: dict[tuple[str, str], bool | float] = {}  # (alias, db name) → True or when it was absent


@dataclass
class _Pending:
    """A transaction of this thread that wrote code items and has not committed yet."""

    callback: Any  # our on_commit callback: still registered ⇔ that transaction is open
    snapshot: _Snapshot | None = None


class _Local(threading.local):
    def __init__(self) -> None:
        self.pending: dict[str, _Pending] = {}


_local = _Local()


def _table_exists(using: str, *, refresh: bool = False) -> bool:
    conn = connections[using]
    key = (using, str(conn.settings_dict.get("NAME")))
    known = _tables.get(key)
    if known is True and not refresh:
        return True
    if isinstance(known, float) and not refresh and time.monotonic() - known < TTL_SECONDS:
        return False
    try:
        exists = TABLE in conn.introspection.table_names()
    except (DatabaseError, TransactionManagementError):
        exists = False  # no database (a system check without one): the code labels
    _tables[key] = True if exists else time.monotonic()
    return exists


def _load(using: str) -> _Snapshot | None:
    """The table's rows, or None when there is no table (yet) or no usable connection."""
    from fupin.core.models import CodeItem

    if not _table_exists(using):
        return None
    try:
        rows = list(
            CodeItem.objects.using(using)
            .order_by("list_key", "position", "id")
            .values_list("list_key", "value", "label", "active", "builtin")
        )
    except TransactionManagementError:  # a broken transaction: nothing may run in it
        return None
    return _snapshot_of(rows)


def _pending(using: str) -> _Pending | None:
    entry = _local.pending.get(using)
    if entry is None:
        return None
    # run_on_commit holds (savepoint ids, func, robust); a savepoint rollback drops its own.
    if any(hook[1] is entry.callback for hook in connections[using].run_on_commit):
        return entry
    # The transaction that wrote rolled back (a commit would have run the callback).
    del _local.pending[using]
    return None


def _current(using: str = DEFAULT_DB_ALIAS) -> _Snapshot:
    pending = _pending(using)
    if pending is not None:
        if pending.snapshot is None:
            pending.snapshot = _load(using)
        return pending.snapshot or _fallback()
    snapshot = _cache.get(using)
    if snapshot is None or time.monotonic() - snapshot.loaded_at > TTL_SECONDS:
        loaded = _load(using)
        if loaded is None:
            return snapshot or _fallback()
        _cache[using] = snapshot = loaded
    return snapshot


def _committed(using: str) -> None:
    _local.pending.pop(using, None)
    _cache.pop(using, None)


def invalidate(using: str = DEFAULT_DB_ALIAS) -> None:
    """Forget cached rows after a write to the table. Writes through this module and model
    saves do this themselves; call it after a queryset update() or bulk_create()."""
    _cache.pop(using, None)
    conn = connections[using]
    if not conn.in_atomic_block:
        return  # autocommit: the write is already visible to every later read
    entry = _pending(using)
    if entry is not None:
        entry.snapshot = None
        return
    callback = functools.partial(_committed, using)
    transaction.on_commit(callback, using=using)
    _local.pending[using] = _Pending(callback)


def items(cls: ListRef) -> list[Item]:
    """Every item of a list in display order, active or not."""
    cl = _registered(cls)
    if cl is None:
        assert not isinstance(cls, str)
        return [Item(str(v), str(lbl), True, True) for v, lbl in cls.choices]
    return list(_current().items[cl.key])


def choices(cls: ListRef) -> list[tuple[str, str]]:
    """[(value, label)] of every item, inactive ones included so old records still display."""
    return [(i.value, i.label) for i in items(cls)]


def active_choices(cls: ListRef) -> list[tuple[str, str]]:
    """[(value, label)] of the items that may be chosen for new data."""
    return [(i.value, i.label) for i in items(cls) if i.active]


def label(cls: ListRef, value: Any) -> str:
    """The current label of `value` (the value itself when the list does not know it)."""
    if value is None:
        return ""
    cl = _registered(cls)
    if cl is None:
        assert not isinstance(cls, str)
        return str(dict(cls.choices).get(value, value))
    return _current().labels[cl.key].get(str(value), str(value))


def code_labels(cls: type[TextChoices]) -> dict[str, str]:
    """value → label as defined in code (imports keep accepting these after a rename)."""
    return {str(v): str(lbl) for v, lbl in cls.choices}


@deconstructible(path="fupin.core.codelists.FieldChoices")
class FieldChoices:
    """A model field's `choices` that follow the code list (Django calls it when needed)."""

    def __init__(self, key: str):
        self.key = key

    def __call__(self) -> list[tuple[str, str]]:
        return choices(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldChoices) and other.key == self.key

    def __hash__(self) -> int:
        return hash((FieldChoices, self.key))

    def __repr__(self) -> str:
        return f"FieldChoices({self.key!r})"


def form_choices(
    cls: ListRef, *, blank: str | None = None, active_only: bool = False
) -> functools.partial[list[tuple[str, str]]]:
    """A form field's `choices` callable, optionally headed by ("", blank)."""
    return functools.partial(_form_choices, cls, blank, active_only)


def _form_choices(cls: ListRef, blank: str | None, active_only: bool) -> list[tuple[str, str]]:
    head = [("", blank)] if blank is not None else []
    return head + (active_choices(cls) if active_only else choices(cls))


# --- seeding -----------------------------------------------------------------------------------


def sync(using: str = DEFAULT_DB_ALIAS) -> int:
    """Insert the builtin items the table lacks (a fresh database, a value new in code) and
    keep the builtin flags in line with the code; edited labels and order are never touched.
    Returns the number of items inserted."""
    from fupin.core.models import CodeItem

    if not _table_exists(using, refresh=True):
        return 0
    with transaction.atomic(using=using):
        stored = {
            (key, value): (pk, builtin)
            for pk, key, value, builtin in CodeItem.objects.using(using).values_list(
                "pk", "list_key", "value", "builtin"
            )
        }
        new: list[CodeItem] = []
        adopt: list[int] = []  # custom items whose value is now defined in code
        release: list[int] = []  # builtin items whose value left the code
        for key, cl in code_lists().items():
            values = set(cl.codes.values)
            for n, (value, text) in enumerate(cl.codes.choices, 1):
                row = stored.get((key, value))
                if row is None:
                    new.append(
                        CodeItem(
                            list_key=key,
                            value=value,
                            label=str(text),
                            position=n * 10,
                            builtin=True,
                        )
                    )
                elif not row[1]:
                    adopt.append(row[0])
            release += [
                pk for (k, v), (pk, b) in stored.items() if k == key and b and v not in values
            ]
        CodeItem.objects.using(using).bulk_create(new, ignore_conflicts=True)
        if adopt:  # builtin items are never inactive
            CodeItem.objects.using(using).filter(pk__in=adopt).update(builtin=True, active=True)
        if release:
            CodeItem.objects.using(using).filter(pk__in=release).update(builtin=False)
        if new or adopt or release:
            invalidate(using)
    return len(new)


def on_post_migrate(using: str = DEFAULT_DB_ALIAS, **_: Any) -> None:
    sync(using)


def on_item_saved(using: str = DEFAULT_DB_ALIAS, **_: Any) -> None:
    invalidate(using)


# --- administration ----------------------------------------------------------------------------


def can_view(actor: Actor) -> bool:
    from fupin.accounts.perms import Perm

    return actor.has_perm(Perm.PARAM_VIEW)


def can_edit(actor: Actor) -> bool:
    """Code lists serve the whole deployment, like a parameter's national value: editing
    them belongs to the system administrator role (fupin.core.params._check_scope), wherever
    that grant sits."""
    from fupin.accounts.perms import Perm

    return actor.is_system_admin and actor.has_perm(Perm.PARAM_EDIT) and not actor.is_read_only


def _require_edit(actor: Actor) -> None:
    from fupin.accounts.perms import Perm

    if not actor.has_perm(Perm.PARAM_EDIT) or actor.is_read_only:
        raise PermissionDenied()
    if not can_edit(actor):
        raise PermissionDenied("代码表全系统通用，只有系统管理员可以修改")


def _list(key: str) -> CodeList:
    cl = code_lists().get(key)
    if cl is None:
        raise NotFound("代码表不存在")
    return cl


def _clean_label(cl: CodeList, raw: str, *, value: str, exclude_pk: int | None = None) -> str:
    """A label must be unique in its list, and differ from the other items' codes and code
    labels: an import accepts all of these, so each must name exactly one item."""
    from fupin.core.models import CodeItem

    text = (raw or "").strip()
    if not text:
        raise ValidationFailed("请填写名称", errors={"label": ["必填"]})
    if len(text) > LABEL_MAX:
        raise ValidationFailed(
            f"名称不能超过 {LABEL_MAX} 个字符", errors={"label": [f"最多 {LABEL_MAX} 个字符"]}
        )
    others = CodeItem.objects.filter(list_key=cl.key).exclude(value=value)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    for other_value, other_label in others.values_list("value", "label"):
        if text == other_label:
            raise ValidationFailed(
                f"「{cl.title}」中已有名称为“{text}”的代码项", errors={"label": ["名称重复"]}
            )
        if text.lower() == other_value:
            raise ValidationFailed(
                f"名称“{text}”与「{cl.title}」中的代码“{other_value}”相同，导入时无法区分",
                errors={"label": ["与其他代码项的代码相同"]},
            )
    for other_value, code_label in code_labels(cl.codes).items():
        if other_value != value and text == code_label:
            raise ValidationFailed(
                f"“{text}”是「{cl.title}」中代码“{other_value}”的原名称，导入时仍按原名称识别，"
                "不能用作其他代码项的名称",
                errors={"label": ["与其他代码项的原名称相同"]},
            )
    return text


def _clean_position(raw: Any) -> int:
    try:
        position = int(str(raw).strip())
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("排序应为整数", errors={"position": ["应为整数"]}) from exc
    if not 0 <= position <= POSITION_MAX:
        raise ValidationFailed(
            f"排序应在 0–{POSITION_MAX} 之间", errors={"position": [f"0–{POSITION_MAX}"]}
        )
    return position


@transaction.atomic
def update_item(
    *,
    actor: Actor,
    pk: int,
    label: str,
    position: int | str,
    active: bool,
    version: int,
    reason: str = "",
) -> CodeItem:
    """Change an item's label, order and (custom items only) whether it is in use. A stale
    `version` raises Conflict so two administrators never overwrite each other silently."""
    from fupin.audit.context import audit_context
    from fupin.core.models import CodeItem

    _require_edit(actor)
    item = CodeItem.objects.filter(pk=pk).first()
    if item is None:
        raise NotFound("代码项不存在")
    cl = _list(item.list_key)
    text = _clean_label(cl, label, value=item.value, exclude_pk=item.pk)
    order = _clean_position(position)
    if item.builtin and not active:
        raise ValidationFailed(
            f"“{item.label}”是系统内置的代码项，平台的业务规则依赖它，不能停用",
            errors={"active": ["内置代码项不能停用"]},
        )
    with audit_context(reason=(reason or "").strip() or f"修改代码表「{cl.title}」"):
        updated = CodeItem.objects.filter(pk=pk, version=version).update(
            label=text,
            position=order,
            active=bool(active),
            updated_by_id=actor.user_id,
            updated_at=timezone.now(),
            version=F("version") + 1,
        )
    if not updated:
        raise Conflict("该代码项已被他人修改，请刷新后重试")
    invalidate()
    item.refresh_from_db()
    return item


@transaction.atomic
def add_item(*, actor: Actor, list_key: str, value: str, label: str, reason: str = "") -> CodeItem:
    """Add a custom item to an extensible list (e.g. a local cause of poverty), last in order."""
    from fupin.audit.context import audit_context
    from fupin.core.models import CodeItem

    _require_edit(actor)
    cl = _list(list_key)
    if not cl.extensible:
        raise ValidationFailed(
            f"「{cl.title}」的代码由系统定义，不能新增，只能修改名称和排序",
            errors={"list_key": ["不能新增"]},
        )
    code = (value or "").strip()
    if not code:
        raise ValidationFailed("请填写代码", errors={"value": ["必填"]})
    if not VALUE_RE.match(code):
        raise ValidationFailed(
            "代码只能由小写英文字母、数字和下划线组成", errors={"value": ["格式不正确"]}
        )
    limit = cl.max_length or CodeItem._meta.get_field("value").max_length or 0
    if len(code) > limit:
        raise ValidationFailed(
            f"「{cl.title}」的代码不能超过 {limit} 个字符",
            errors={"value": [f"最多 {limit} 个字符"]},
        )
    if CodeItem.objects.filter(list_key=cl.key, value=code).exists():
        raise ValidationFailed(f"「{cl.title}」中已有代码“{code}”", errors={"value": ["代码重复"]})
    if CodeItem.objects.filter(list_key=cl.key, label=code).exists():
        raise ValidationFailed(
            f"代码“{code}”与「{cl.title}」中一个代码项的名称相同，导入时无法区分",
            errors={"value": ["与其他代码项的名称相同"]},
        )
    text = _clean_label(cl, label, value=code)
    last = CodeItem.objects.filter(list_key=cl.key).aggregate(m=Max("position"))["m"] or 0
    try:
        with (
            audit_context(reason=(reason or "").strip() or f"新增代码表「{cl.title}」的代码项"),
            transaction.atomic(),
        ):
            item = CodeItem.objects.create(
                list_key=cl.key,
                value=code,
                label=text,
                position=min(last + 10, POSITION_MAX),
                active=True,
                builtin=False,
                updated_by_id=actor.user_id,
            )
    except IntegrityError as exc:  # a concurrent add of the same code
        raise ValidationFailed(
            f"「{cl.title}」中已有代码“{code}”", errors={"value": ["代码重复"]}
        ) from exc
    invalidate()
    return item


def overview(actor: Actor) -> list[dict[str, Any]]:
    """Every list with its items as stored (for the administration page)."""
    from fupin.core.models import CodeItem

    if not can_view(actor):
        raise PermissionDenied()
    rows: dict[str, list[CodeItem]] = {}
    for row in CodeItem.objects.select_related("updated_by").order_by("position", "id"):
        rows.setdefault(row.list_key, []).append(row)
    return [
        {
            "key": cl.key,
            "title": cl.title,
            "extensible": cl.extensible,
            "max_length": cl.max_length,
            "items": rows.get(cl.key, []),
        }
        for cl in code_lists().values()
    ]
