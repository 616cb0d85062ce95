from django.db import migrations, models


def seal_and_whole_seconds(apps, schema_editor):
    """Deadlines are kept to the second from now on; an RFP already published is sealed
    until its current submission deadline (the history of earlier deadlines was not
    kept, so that is the latest one known)."""
    RFP = apps.get_model("rfp", "RFP")
    for rfp in RFP.objects.filter(is_template=False).iterator():
        changed = []
        for name in ("question_deadline", "submission_deadline"):
            value = getattr(rfp, name)
            if value is not None and value.microsecond:
                setattr(rfp, name, value.replace(microsecond=0))
                changed.append(name)
        if rfp.publication_at is not None and rfp.submission_deadline is not None:
            rfp.seal_lifts_at = rfp.submission_deadline
            changed.append("seal_lifts_at")
        if changed:
            rfp.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [
        ("rfp", "0002_starter_templates"),
    ]

    operations = [
        migrations.AddField(
            model_name="rfp",
            name="seal_lifts_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="The latest submission deadline ever published: it only moves later, "
                "and no proposal opens before it, whatever happens to the deadline.",
                null=True,
                verbose_name="proposals may open from",
            ),
        ),
        migrations.RunPython(seal_and_whole_seconds, migrations.RunPython.noop),
    ]
