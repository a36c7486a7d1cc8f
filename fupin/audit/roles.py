"""The database roles' privileges, (re)applied by the owner after every migrate.

The application's role (settings.FUPIN_DB_ROLES["app"]) reads and writes the ordinary tables
and nothing more: no TRUNCATE, REFERENCES or TRIGGER anywhere, and on the audit trail only
SELECT — its audited writes reach audit_auditevent through the owner's SECURITY DEFINER
trigger functions. It owns no table in `public`; its import staging tables go to a schema of
its own name, first on PostgreSQL's default search_path ("$user", public). The maintenance
role may read and DELETE audit rows, which the append-only triggers allow only past the
retention. Default privileges cover the tables later migrations create.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connections

AUDIT_TABLES = ("audit_auditevent", "audit_auditlink")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def grants_sql(app: str, maint: str | None) -> list[str]:
    a = _ident(app)
    audit = ", ".join(f"public.{t}" for t in AUDIT_TABLES)
    statements = [
        f"CREATE SCHEMA IF NOT EXISTS {a}",
        f"GRANT USAGE, CREATE ON SCHEMA {a} TO {a}",
        f"GRANT USAGE ON SCHEMA public TO {a}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {a}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {a}",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public"
        f" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {a}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {a}",
        f"REVOKE ALL ON {audit}, public.audit_txmark FROM {a}",
        f"GRANT SELECT ON {audit} TO {a}",
        "REVOKE ALL ON SEQUENCE public.audit_auditevent_id_seq, public.audit_auditlink_id_seq"
        f" FROM {a}",
        # Batch records are the application's (written through the ORM), but never removed.
        f"REVOKE DELETE, TRUNCATE, REFERENCES, TRIGGER ON public.audit_auditbatch FROM {a}",
        "REVOKE ALL ON FUNCTION fupin_audit_mark() FROM PUBLIC",
    ]
    if maint:
        m = _ident(maint)
        statements += [
            f"GRANT USAGE ON SCHEMA public TO {m}",
            f"GRANT SELECT, DELETE ON {audit} TO {m}",
            f"GRANT SELECT ON public.core_parameter TO {m}",
        ]
    return statements


def apply_grants(app: str, maint: str | None, using: str = "default") -> None:
    with connections[using].cursor() as cursor:
        for statement in grants_sql(app, maint):
            cursor.execute(statement)


def grant_roles(sender: Any = None, using: str = "default", **_: Any) -> None:
    """post_migrate (once, on the audit app's signal): when the roles are separate."""
    roles = getattr(settings, "FUPIN_DB_ROLES", {})
    if getattr(sender, "label", None) != "audit" or not roles.get("app"):
        return
    maint = (roles.get("maint") or {}).get("USER")
    apply_grants(roles["app"], maint, using)


def check_app_role(**_: Any) -> list[Any]:
    """`check --deploy`: the application's connection must not be a superuser nor own the
    tables (then it could empty the audit trail or switch its triggers off). Skipped for the
    embedded server, which sets the roles up itself, and when the database is unreachable."""
    from django.core.checks import Warning as CheckWarning
    from django.db import DatabaseError, connection

    if connection.settings_dict["ENGINE"] == "fupin.core.embedded":
        return []
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),"
                " (SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace"
                "  AND relowner = current_user::regrole AND relkind IN ('r', 'p'))"
            )
            row = cursor.fetchone()
    except DatabaseError:
        return []
    assert row is not None
    user, superuser, owned = row
    hint = (
        "应用连接（DATABASE_URL）应使用不拥有任何表的角色，迁移用属主角色"
        "（FUPIN_DB_OWNER_URL）：见 docs/deployment.md“PostgreSQL roles”"
    )
    warnings = []
    if superuser:
        warnings.append(
            CheckWarning(
                f"应用以超级用户 {user} 连接数据库：它能清空审计记录或停用审计触发器",
                hint=hint,
                id="fupin.W001",
            )
        )
    elif owned:
        warnings.append(
            CheckWarning(
                f"应用的数据库角色 {user} 拥有 {owned} 张表：它能清空审计记录或停用审计触发器",
                hint=hint,
                id="fupin.W002",
            )
        )
    return warnings
