"""Open alerts of the registry and case rules lose the names in their titles.

The rules used to label a subject with the member's and the head's names (「义务教育阶段适龄
儿童失学辍学：张小明（张三户（…））」); they now use the household number or the case number
only (SPEC §10: alert titles travel in lists, digests and messages). New alerts get the new
label from the rule; this rewrites the open ones once, so no display has to re-derive a
title (closed alerts keep their title as the record of what was sent). The title is the rule
name before the first '：' — kept — and the new label after it."""

from django.db import migrations

HOUSEHOLD_RULES = ["R101", "R102", "R103", "R104", "R105", "R106"]
CASE_RULES = ["R201", "R202", "R203"]

FORWARD = [
    (
        """UPDATE supervision_alert a SET subject_label = '户编号 ' || h.household_no
             FROM registry_household h
            WHERE a.is_open AND a.rule_code = ANY(%s) AND h.id = a.household_id""",
        [HOUSEHOLD_RULES],
    ),
    (
        """UPDATE supervision_alert a SET subject_label = '办件 ' || c.case_no
             FROM workflows_case c
            WHERE a.is_open AND a.rule_code = ANY(%s) AND c.id = a.subject_id""",
        [CASE_RULES],
    ),
    (
        """UPDATE workflows_case c
              SET title = left(split_part(c.title, '：', 1) || '：' || a.subject_label, 200)
             FROM supervision_alert a
            WHERE a.is_open AND a.case_id = c.id AND a.rule_code = ANY(%s)
              AND position('：' in c.title) > 0""",
        [HOUSEHOLD_RULES + CASE_RULES],
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0003_message_moves_to_notifications"),
        ("registry", "0007_staff_id_mask_area_code_only"),
        ("workflows", "0003_declarant_id_mask_area_code_only"),
    ]

    operations = [migrations.RunSQL([statement], migrations.RunSQL.noop) for statement in FORWARD]
