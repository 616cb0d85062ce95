import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F


def criteria_belong_to_the_rfp(apps, schema_editor):
    """The starter templates get their criteria (an RFP started from one then has them);
    evaluations made after their RFP was published (the old way: set up once the RFP
    closed) are flagged, so the results and the report say "criteria set after
    publication". Nothing else changes: existing RFPs keep their evaluations."""
    from scoring.starter_criteria import load_starter_criteria

    load_starter_criteria(apps)
    Evaluation = apps.get_model("scoring", "Evaluation")
    Evaluation.objects.filter(
        rfp__is_template=False,
        rfp__publication_at__isnull=False,
        created_at__gt=F("rfp__publication_at"),
    ).update(set_after_publication=True)


class Migration(migrations.Migration):
    dependencies = [
        ("rfp", "0002_starter_templates"),
        ("scoring", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="criteriachange",
            name="addendum",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="rfp.addendum",
            ),
        ),
        migrations.AddField(
            model_name="evaluation",
            name="set_after_publication",
            field=models.BooleanField(
                default=False,
                editable=False,
                help_text="The RFP was published without criteria (before they were part of "
                "the RFP) and got them afterwards, once: the results and the report say so.",
                verbose_name="criteria set after publication",
            ),
        ),
        migrations.AddField(
            model_name="evaluation",
            name="show_subcriteria_to_vendors",
            field=models.BooleanField(
                default=False,
                help_text="Vendors always see the main criteria and their weights; tick to "
                "show the sub-criteria and their weights too.",
                verbose_name="show the sub-criteria to vendors",
            ),
        ),
        migrations.AlterField(
            model_name="criteriachange",
            name="after_lock",
            field=models.BooleanField(default=False, verbose_name="after publication"),
        ),
        migrations.RunPython(criteria_belong_to_the_rfp, migrations.RunPython.noop),
    ]
