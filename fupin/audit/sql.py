"""SQL of the audit triggers, the hash chain and the append-only rules.

Statement-level AFTER triggers with transition tables record every row an INSERT, UPDATE,
DELETE or COPY touches in one set-based INSERT per statement — so bulk SQL is caught, and a
million-row load pays one extra INSERT … SELECT instead of a million trigger calls. With
`fupin.bulk = on` and a batch id set (bulk imports), an INSERT records one summary row per
statement linking the batch instead of one row per inserted record.

Who/why/where come from transaction- or session-level settings the application sets:
fupin.actor_id, fupin.actor_name, fupin.ip, fupin.reason, fupin.batch_id, fupin.bulk. A
malformed fupin.ip is recorded as no address; it never fails the write.

Tamper evidence: every event stores the SHA-256 of its own canonical text (`hash`). Chaining
each row to the previous one inside the statement trigger would need a lock held until
commit, serialising every writing transaction (imports run long ones), so the chain is built
at commit: the first audited statement of a transaction inserts a marker row whose deferred
constraint trigger, just before commit, takes an advisory lock for that moment only and
appends one link to audit_auditlink — the transaction's event count, id range and the digest
of its row hashes in id order, the previous link's hash, and its own hash. `manage.py
audit_verify` recomputes all of it.

Every function here is SECURITY DEFINER, owned by the owner role (the one that runs migrate),
with a fixed search_path ending in pg_temp so that no object another role creates is found
first: the application role has no INSERT, UPDATE, DELETE or TRUNCATE on the audit tables
and writes them only through these functions.
"""

from __future__ import annotations

from .params import RETENTION_DAYS

SAFE = "SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp"
GENESIS = "\\x" + "00" * 32  # the `prev` of the first link
CHAIN_LOCK = 4_242_000_001  # pg_advisory_xact_lock key of the chain's head

# The canonical text of an event (and of a link): each field as `<octets>:<text>`, or `-` when
# NULL, concatenated — unambiguous, and rebuilt by audit_verify from the same column texts.
EVENT_FIELDS = (
    "{t}id::text",
    "(extract(epoch FROM {t}at) * 1000000)::bigint::text",
    "{t}table_name",
    "{t}object_pk",
    "{t}action",
    "{t}actor_id::text",
    "{t}actor_name",
    "{t}ip::text",
    "{t}reason",
    "{t}batch_id::text",
    "{t}txid::text",
    "{t}old::text",
    "{t}new::text",
)
LINK_FIELDS = (
    "{t}id::text",
    "{t}txid::text",
    "{t}first_id::text",
    "{t}last_id::text",
    "{t}n::text",
    "encode({t}digest, 'hex')",
    "(extract(epoch FROM {t}at) * 1000000)::bigint::text",
)


def fields_sql(fields: tuple[str, ...], table: str = "") -> list[str]:
    """The column texts of the canonical form, each column qualified with `table`."""
    return [f.format(t=f"{table}." if table else "") for f in fields]


def canonical_sql(fields: tuple[str, ...], table: str) -> str:
    return " || ".join(
        f"coalesce(octet_length({f})::text || ':' || {f}, '-')" for f in fields_sql(fields, table)
    )


def canonical(values: list[str | None]) -> bytes:
    """The Python side of `canonical_sql` (audit_verify)."""
    out = []
    for value in values:
        if value is None:
            out.append(b"-")
        else:
            raw = value.encode()
            out.append(str(len(raw)).encode() + b":" + raw)
    return b"".join(out)


EVENT_HASH = f"sha256(convert_to({canonical_sql(EVENT_FIELDS, 's')}, 'UTF8'))"

COLUMN_LIST = (
    "at, table_name, object_pk, action, actor_id, actor_name, ip, reason, batch_id, txid, old, new"
)


def _insert(select: str) -> str:
    """One INSERT of events from a SELECT of COLUMN_LIST: ids are drawn in the outer SELECT so
    that each row's hash covers its id (a subquery with volatile outputs is not flattened, so
    nextval and clock_timestamp run once per row)."""
    return (
        f"INSERT INTO public.audit_auditevent (id, {COLUMN_LIST}, hash)"
        f" SELECT s.*, {EVENT_HASH} FROM ("
        f"SELECT nextval('public.audit_auditevent_id_seq') AS id, q.*"
        f" FROM ({select}) AS q({COLUMN_LIST})) s"
    )


_PER_ROW = {
    "I": "SELECT clock_timestamp() AS at, TG_TABLE_NAME::text AS table_name,"
    " (to_jsonb(n) - skip) ->> pk AS object_pk, 'I'::text AS action, v_actor AS actor_id,"
    " v_actor_name AS actor_name, v_ip AS ip, v_reason AS reason, v_batch AS batch_id,"
    " txid_current() AS txid, NULL::jsonb AS old, (to_jsonb(n) - skip) AS new FROM new_rows n",
    "U": "SELECT clock_timestamp(), TG_TABLE_NAME::text, n.j ->> pk, 'U'::text, v_actor,"
    " v_actor_name, v_ip, v_reason, v_batch, txid_current(),"
    " (SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(o.j) e"
    "   WHERE e.value IS DISTINCT FROM n.j -> e.key),"
    " (SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(n.j) e"
    "   WHERE e.value IS DISTINCT FROM o.j -> e.key)"
    # OFFSET 0 keeps each row's jsonb computed once: flattened, the diff subqueries above
    # recomputed to_jsonb(row) for every key of every row (most of an UPDATE's audit cost).
    " FROM (SELECT (to_jsonb(r) - skip) AS j FROM old_rows r OFFSET 0) o"
    " JOIN (SELECT (to_jsonb(r) - skip) AS j FROM new_rows r OFFSET 0) n"
    " ON (o.j ->> pk) = (n.j ->> pk)"
    " WHERE o.j IS DISTINCT FROM n.j",
    "D": "SELECT clock_timestamp(), TG_TABLE_NAME::text, (to_jsonb(o) - skip) ->> pk, 'D'::text,"
    " v_actor, v_actor_name, v_ip, v_reason, v_batch, txid_current(), (to_jsonb(o) - skip),"
    " NULL::jsonb FROM old_rows o",
}
# Bulk mode: min/max of the key column itself (numeric order, no per-row jsonb conversion).
_BULK = (
    "SELECT clock_timestamp() AS at, $1::text AS table_name, NULL::text AS object_pk,"
    " 'B'::text AS action, $2 AS actor_id, $3 AS actor_name, $4 AS ip, $5 AS reason,"
    " $6 AS batch_id, txid_current() AS txid, NULL::jsonb AS old,"
    " jsonb_build_object('rows', count(*), 'first_pk', min(%1$I)::text,"
    " 'last_pk', max(%1$I)::text) AS new FROM new_rows HAVING count(*) > 0"
)
_BULK_SQL = _insert(_BULK).replace("'", "''")

FUNCTIONS = rf"""
CREATE OR REPLACE FUNCTION fupin_audit_ctx(name text) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$ SELECT nullif(current_setting(name, true), '') $$;

-- The client address of the audit context; a malformed value is no address, never an error.
CREATE OR REPLACE FUNCTION fupin_audit_ip() RETURNS inet
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RETURN nullif(current_setting('fupin.ip', true), '')::inet;
EXCEPTION WHEN invalid_text_representation OR invalid_parameter_value THEN
  RETURN NULL;
END $$;

-- The retention in days, from the parameter table (never from the caller), at least the
-- declared minimum.
CREATE OR REPLACE FUNCTION fupin_audit_retention_days() RETURNS integer
LANGUAGE plpgsql STABLE {SAFE} AS $$
DECLARE v integer;
BEGIN
  SELECT (value #>> '{{}}')::integer INTO v FROM public.core_parameter
   WHERE key = 'audit.retention_days' AND region_code = '' AND year IS NULL;
  RETURN greatest(coalesce(v, {RETENTION_DAYS.default}), {RETENTION_DAYS.minimum});
END $$;

-- Called after a transaction's first audited write: queues the commit-time chain link.
CREATE OR REPLACE FUNCTION fupin_audit_mark() RETURNS void
LANGUAGE plpgsql {SAFE} AS $$
BEGIN
  INSERT INTO public.audit_txmark (txid) VALUES (txid_current()) ON CONFLICT DO NOTHING;
END $$;

-- jit off: compiling the big INSERT … SELECT cost more than it saved (bench/audit_chain.py).
CREATE OR REPLACE FUNCTION fupin_audit_stmt() RETURNS trigger
LANGUAGE plpgsql {SAFE} SET jit = off AS $$
DECLARE
  pk text := TG_ARGV[0];
  skip text[] := string_to_array(coalesce(TG_ARGV[1], ''), ',');
  v_actor bigint := fupin_audit_ctx('fupin.actor_id')::bigint;
  v_actor_name text := coalesce(fupin_audit_ctx('fupin.actor_name'), '');
  v_ip inet := fupin_audit_ip();
  v_reason text := coalesce(fupin_audit_ctx('fupin.reason'), '');
  v_batch bigint := fupin_audit_ctx('fupin.batch_id')::bigint;
  v_bulk boolean := coalesce(fupin_audit_ctx('fupin.bulk'), 'off') = 'on';
  v_rows bigint;
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF v_bulk AND v_batch IS NOT NULL THEN
      EXECUTE format('{_BULK_SQL}', pk)
      USING TG_TABLE_NAME, v_actor, v_actor_name, v_ip, v_reason, v_batch;
    ELSE
      {_insert(_PER_ROW["I"])};
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    {_insert(_PER_ROW["U"])};
  ELSIF TG_OP = 'DELETE' THEN
    {_insert(_PER_ROW["D"])};
  END IF;
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  IF v_rows > 0 THEN
    PERFORM fupin_audit_mark();
  END IF;
  RETURN NULL;
END $$;

-- The deferred trigger of the marker row: one chain link per transaction, at commit.
CREATE OR REPLACE FUNCTION fupin_audit_link() RETURNS trigger
LANGUAGE plpgsql {SAFE} AS $$
DECLARE
  v_from bigint;
  v_n bigint;
  v_first bigint;
  v_last bigint;
  v_digest bytea;
  v_prev bytea;
  v_id bigint;
  v_at timestamptz;
BEGIN
  DELETE FROM public.audit_txmark WHERE txid = NEW.txid;
  -- Events already linked (SET CONSTRAINTS ALL IMMEDIATE fires this early) stay linked.
  SELECT coalesce(max(last_id), 0) INTO v_from FROM public.audit_auditlink WHERE txid = NEW.txid;
  SELECT count(*), min(id), max(id), sha256(string_agg(coalesce(hash, ''::bytea), ''::bytea ORDER BY id))
    INTO v_n, v_first, v_last, v_digest
    FROM public.audit_auditevent WHERE txid = NEW.txid AND id > v_from;
  IF v_n = 0 THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock({CHAIN_LOCK});  -- held from here to the commit only
  SELECT hash INTO v_prev FROM public.audit_auditlink ORDER BY id DESC LIMIT 1;
  v_id := nextval('public.audit_auditlink_id_seq');
  v_at := clock_timestamp();
  INSERT INTO public.audit_auditlink (id, txid, first_id, last_id, n, digest, at, prev, hash)
  SELECT l.id, l.txid, l.first_id, l.last_id, l.n, l.digest, l.at, l.prev,
         sha256(l.prev || convert_to({canonical_sql(LINK_FIELDS, "l")}, 'UTF8'))
  FROM (SELECT v_id AS id, NEW.txid AS txid, v_first AS first_id, v_last AS last_id,
               v_n::integer AS n, v_digest AS digest, v_at AS at,
               coalesce(v_prev, '{GENESIS}'::bytea) AS prev) l;
  RETURN NULL;
END $$;

-- Events are never changed; a DELETE passes only for rows older than the retention (the
-- purge; only the maintenance role, and the owner, hold DELETE on the table at all).
CREATE OR REPLACE FUNCTION fupin_audit_append_only() RETURNS trigger
LANGUAGE plpgsql {SAFE} AS $$
BEGIN
  IF TG_OP = 'DELETE' AND OLD.at < now() - make_interval(days => fupin_audit_retention_days()) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '审计记录只能追加，不能修改或删除' USING ERRCODE = 'insufficient_privilege';
END $$;

-- Links likewise; one goes only once its events are gone and it is older than the retention.
CREATE OR REPLACE FUNCTION fupin_audit_link_append_only() RETURNS trigger
LANGUAGE plpgsql {SAFE} AS $$
BEGIN
  IF TG_OP = 'DELETE' AND OLD.at < now() - make_interval(days => fupin_audit_retention_days())
     AND NOT EXISTS (SELECT 1 FROM public.audit_auditevent e WHERE e.txid = OLD.txid
                      AND e.id BETWEEN OLD.first_id AND OLD.last_id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '审计记录只能追加，不能修改或删除' USING ERRCODE = 'insufficient_privilege';
END $$;
"""

# The one way the application records that someone saw or exported personal data in full
# (a reveal, a full-ID export): an audit row of action 'R' whose `new` says what was shown.
ACCESS_FUNCTION = rf"""
CREATE OR REPLACE FUNCTION fupin_audit_access(
  p_table text, p_pk text, p_actor bigint, p_actor_name text, p_reason text, p_detail jsonb
) RETURNS bigint
LANGUAGE plpgsql {SAFE} AS $$
DECLARE
  v_id bigint;
BEGIN
  {
    _insert(
        "SELECT clock_timestamp(), p_table, p_pk, 'R'::text, p_actor,"
        " coalesce(p_actor_name, ''), fupin_audit_ip(), coalesce(p_reason, ''), NULL::bigint,"
        " txid_current(), NULL::jsonb, p_detail"
    )
}
  RETURNING id INTO v_id;
  PERFORM fupin_audit_mark();
  RETURN v_id;
END $$;
"""

DROP_ACCESS_FUNCTION = (
    "DROP FUNCTION IF EXISTS fupin_audit_access(text, text, bigint, text, text, jsonb);"
)

DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS fupin_audit_append_only();
DROP FUNCTION IF EXISTS fupin_audit_stmt();
DROP FUNCTION IF EXISTS fupin_audit_ctx(text);
"""

APPEND_ONLY = """
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
FOR EACH ROW EXECUTE FUNCTION fupin_audit_append_only();
"""

DROP_APPEND_ONLY = "DROP TRIGGER IF EXISTS audit_append_only ON audit_auditevent;"

CHAIN_TABLES = """
CREATE TABLE audit_txmark (txid bigint PRIMARY KEY);
CREATE CONSTRAINT TRIGGER audit_chain_link AFTER INSERT ON audit_txmark
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fupin_audit_link();
CREATE TRIGGER audit_link_append_only BEFORE UPDATE OR DELETE ON audit_auditlink
FOR EACH ROW EXECUTE FUNCTION fupin_audit_link_append_only();
"""

DROP_CHAIN_TABLES = """
DROP TABLE IF EXISTS audit_txmark;
DROP TRIGGER IF EXISTS audit_link_append_only ON audit_auditlink;
DROP FUNCTION IF EXISTS fupin_audit_link();
DROP FUNCTION IF EXISTS fupin_audit_link_append_only();
DROP FUNCTION IF EXISTS fupin_audit_mark();
DROP FUNCTION IF EXISTS fupin_audit_ip();
DROP FUNCTION IF EXISTS fupin_audit_retention_days();
"""

# Existing events (written before the chain): their hashes, then one link per transaction in
# the order of their first event, so audit_verify covers the history from the start.
BACKFILL = f"""
ALTER TABLE audit_auditevent DISABLE TRIGGER audit_append_only;
UPDATE audit_auditevent s SET hash = {EVENT_HASH} WHERE s.hash IS NULL;
ALTER TABLE audit_auditevent ENABLE TRIGGER audit_append_only;
DO $$
DECLARE t bigint;
BEGIN
  FOR t IN SELECT txid FROM audit_auditevent GROUP BY txid ORDER BY min(id) LOOP
    INSERT INTO audit_txmark (txid) VALUES (t);
    SET CONSTRAINTS audit_chain_link IMMEDIATE;
    SET CONSTRAINTS audit_chain_link DEFERRED;
  END LOOP;
END $$;
"""


def table_triggers(table: str, pk_column: str, skip: tuple[str, ...] = ()) -> str:
    """CREATE OR REPLACE the three statement triggers of one audited table (PostgreSQL ≥ 14).

    Columns in `skip` (secrets such as password hashes) never reach the audit trail."""
    args = f"'{pk_column}', '{','.join(skip)}'"
    parts = []
    for op, ref in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        parts.append(
            f'CREATE OR REPLACE TRIGGER "fupin_audit_{op.lower()}" AFTER {op} ON "{table}" '
            f"REFERENCING {ref} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION fupin_audit_stmt({args});"
        )
    return "\n".join(parts)
