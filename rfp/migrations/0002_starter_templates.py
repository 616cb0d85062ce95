from django.db import migrations


def load(apps, schema_editor):
    from rfp.starter_templates import load_starter_templates

    load_starter_templates(apps)


class Migration(migrations.Migration):
    dependencies = [("rfp", "0001_initial"), ("vendors", "0002_taxonomy")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
