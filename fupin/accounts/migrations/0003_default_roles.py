from django.db import migrations


def seed_roles(apps, schema_editor):
    from fupin.accounts.roles import DEFAULT_ROLES

    Role = apps.get_model("accounts", "Role")
    for sort, (code, name, desc, rank, levels, perms, read_only, is_admin) in enumerate(
        DEFAULT_ROLES
    ):
        Role.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "description": desc,
                "rank": rank,
                "levels": levels,
                "permissions": [str(p) for p in perms],
                "read_only": read_only,
                "is_system_admin": is_admin,
                "sort": sort,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]

    operations = [migrations.RunPython(seed_roles, migrations.RunPython.noop)]
