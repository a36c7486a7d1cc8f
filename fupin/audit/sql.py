"""SQL of the audit triggers.

Statement-level AFTER triggers with transition tables record every row an INSERT, UPDATE,
DELETE or COPY touches in one set-based INSERT per statement — so bulk SQL is caught, and a
million-row load pays one extra INSERT … SELECT instead of a million trigger calls. With
`fupin.bulk = on` and a batch id set (bulk imports), an INSERT records one summary row per
statement linking the batch instead of one row per inserted record.

Who/why/where come from transaction- or session-level settings the application sets:
fupin.actor_id, fupin.actor_name, fupin.ip, fupin.reason, fupin.batch_id, fupin.bulk.
"""

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION fupin_audit_ctx(name text) RETURNS text
LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting(name, true), '') $$;

CREATE OR REPLACE FUNCTION fupin_audit_stmt() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  pk text := TG_ARGV[0];
  skip text[] := string_to_array(coalesce(TG_ARGV[1], ''), ',');
  v_actor bigint := fupin_audit_ctx('fupin.actor_id')::bigint;
  v_actor_name text := coalesce(fupin_audit_ctx('fupin.actor_name'), '');
  v_ip inet := fupin_audit_ctx('fupin.ip')::inet;
  v_reason text := coalesce(fupin_audit_ctx('fupin.reason'), '');
  v_batch bigint := fupin_audit_ctx('fupin.batch_id')::bigint;
  v_bulk boolean := coalesce(fupin_audit_ctx('fupin.bulk'), 'off') = 'on';
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF v_bulk AND v_batch IS NOT NULL THEN
      -- min/max of the key column itself (numeric order, no per-row jsonb conversion).
      EXECUTE format(
        'INSERT INTO audit_auditevent'
        ' (at, table_name, object_pk, action, actor_id, actor_name, ip, reason, batch_id, txid,'
        '  old, new)'
        ' SELECT clock_timestamp(), $1, NULL, ''B'', $2, $3, $4, $5, $6, txid_current(), NULL,'
        '        jsonb_build_object(''rows'', count(*), ''first_pk'', min(%1$I)::text,'
        '                           ''last_pk'', max(%1$I)::text)'
        ' FROM new_rows HAVING count(*) > 0', pk)
      USING TG_TABLE_NAME, v_actor, v_actor_name, v_ip, v_reason, v_batch;
    ELSE
      INSERT INTO audit_auditevent
        (at, table_name, object_pk, action, actor_id, actor_name, ip, reason, batch_id, txid, old, new)
      SELECT clock_timestamp(), TG_TABLE_NAME, (to_jsonb(n) - skip) ->> pk, 'I', v_actor, v_actor_name, v_ip,
             v_reason, v_batch, txid_current(), NULL, (to_jsonb(n) - skip)
      FROM new_rows n;
    END IF;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO audit_auditevent
      (at, table_name, object_pk, action, actor_id, actor_name, ip, reason, batch_id, txid, old, new)
    SELECT clock_timestamp(), TG_TABLE_NAME, n.j ->> pk, 'U', v_actor, v_actor_name, v_ip, v_reason,
           v_batch, txid_current(),
           (SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(o.j) e
             WHERE e.value IS DISTINCT FROM n.j -> e.key),
           (SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(n.j) e
             WHERE e.value IS DISTINCT FROM o.j -> e.key)
    FROM (SELECT (to_jsonb(r) - skip) AS j FROM old_rows r) o
    JOIN (SELECT (to_jsonb(r) - skip) AS j FROM new_rows r) n ON (o.j ->> pk) = (n.j ->> pk)
    WHERE o.j IS DISTINCT FROM n.j;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO audit_auditevent
      (at, table_name, object_pk, action, actor_id, actor_name, ip, reason, batch_id, txid, old, new)
    SELECT clock_timestamp(), TG_TABLE_NAME, (to_jsonb(o) - skip) ->> pk, 'D', v_actor, v_actor_name, v_ip,
           v_reason, v_batch, txid_current(), (to_jsonb(o) - skip), NULL
    FROM old_rows o;
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION fupin_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND coalesce(fupin_audit_ctx('fupin.audit_purge'), '') <> ''
     AND OLD.at < now() - make_interval(days => fupin_audit_ctx('fupin.audit_purge')::int) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '审计记录只能追加，不能修改或删除' USING ERRCODE = 'insufficient_privilege';
END $$;
"""

# The one way the application records that someone saw or exported personal data in full
# (a reveal, a full-ID export): an audit row of action 'R' whose `new` says what was shown.
ACCESS_FUNCTION = r"""
CREATE OR REPLACE FUNCTION fupin_audit_access(
  p_table text, p_pk text, p_actor bigint, p_actor_name text, p_reason text, p_detail jsonb
) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  v_ip inet;
  v_id bigint;
BEGIN
  BEGIN
    v_ip := fupin_audit_ctx('fupin.ip')::inet;
  EXCEPTION WHEN invalid_text_representation THEN
    v_ip := NULL;
  END;
  INSERT INTO audit_auditevent
    (at, table_name, object_pk, action, actor_id, actor_name, ip, reason, batch_id, txid, old, new)
  VALUES (clock_timestamp(), p_table, p_pk, 'R', p_actor, coalesce(p_actor_name, ''), v_ip,
          coalesce(p_reason, ''), NULL, txid_current(), NULL, p_detail)
  RETURNING id INTO v_id;
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
