"""The staff mask of an ID number keeps the area code only (510981************).

The old mask kept the first 6 and the last 4 characters; beside the birth date (or in the
database's `id_masked` + `birth_date` columns) the check digit then left one or two
candidates for the full number. Every stored copy is re-masked from its current masked
value (no key needed): the members, the members frozen in yearly snapshots, and the ID
recorded in a member change's details."""

from django.db import migrations

AREA_ONLY = "left({v}, 6) || repeat('*', 12)"

FORWARD = [
    f"""UPDATE registry_member SET id_masked = {AREA_ONLY.format(v="id_masked")}
         WHERE id_masked <> {AREA_ONLY.format(v="id_masked")}""",
    f"""UPDATE registry_householdsnapshot s
           SET data = jsonb_set(s.data, '{{members}}', (
               SELECT jsonb_agg(
                          CASE WHEN jsonb_typeof(m -> 'id_masked') = 'string'
                               THEN jsonb_set(m, '{{id_masked}}',
                                              to_jsonb({AREA_ONLY.format(v="(m ->> 'id_masked')")}))
                               ELSE m END
                          ORDER BY ord)
                 FROM jsonb_array_elements(s.data -> 'members') WITH ORDINALITY AS t(m, ord)))
         WHERE jsonb_typeof(s.data -> 'members') = 'array'
           AND jsonb_array_length(s.data -> 'members') > 0
           AND EXISTS (SELECT 1 FROM jsonb_array_elements(s.data -> 'members') AS e(m)
                        WHERE m ->> 'id_masked' <> {AREA_ONLY.format(v="(m ->> 'id_masked')")})""",
    f"""UPDATE registry_memberchange
           SET details = jsonb_set(details, '{{id}}',
                                   to_jsonb({AREA_ONLY.format(v="(details ->> 'id')")}))
         WHERE jsonb_typeof(details -> 'id') = 'string' AND length(details ->> 'id') = 18
           AND details ->> 'id' <> {AREA_ONLY.format(v="(details ->> 'id')")}""",
]


class Migration(migrations.Migration):
    dependencies = [("registry", "0006_member_id_hash_one_index")]

    # Irreversible by design: the digits dropped are not kept anywhere.
    operations = [migrations.RunSQL(sql, migrations.RunSQL.noop) for sql in FORWARD]
