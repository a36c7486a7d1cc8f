"""A self-declared monitoring case keeps the declarant's ID in the staff mask, which now keeps
the area code only (see registry 0007): re-mask the copies in `workflows_case.data`."""

from django.db import migrations

FORWARD = """
UPDATE workflows_case
   SET data = jsonb_set(data, '{declarant,id_masked}',
                        to_jsonb(left(data #>> '{declarant,id_masked}', 6) || repeat('*', 12)))
 WHERE jsonb_typeof(data #> '{declarant,id_masked}') = 'string'
   AND data #>> '{declarant,id_masked}'
       <> left(data #>> '{declarant,id_masked}', 6) || repeat('*', 12)
"""


class Migration(migrations.Migration):
    dependencies = [("workflows", "0002_case_number_sequence")]

    operations = [migrations.RunSQL(FORWARD, migrations.RunSQL.noop)]
