from typing import Any

from django.db import migrations


def seal_new_members(apps: Any, schema_editor: Any) -> None:
    """Cases of member changes kept the proposed new member's ID number in clear in
    `data.new_member.id_number`: replace it by the ciphertext and the staff mask."""
    from fupin.registry import identity

    Case = apps.get_model("workflows", "Case")
    for case in Case.objects.filter(data__new_member__has_key="id_number").iterator():
        new_member = case.data.get("new_member")
        if not isinstance(new_member, dict) or not new_member.get("id_number"):
            continue
        try:
            case.data["new_member"] = identity.seal(new_member)
        except Exception:  # an invalid number (never accepted, but be safe): keep the mask only
            number = str(new_member.pop("id_number"))
            case.data["new_member"] = {**new_member, "id_masked": identity.mask(number)}
        case.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [("workflows", "0003_declarant_id_mask_area_code_only")]

    operations = [migrations.RunPython(seal_new_members, migrations.RunPython.noop)]
