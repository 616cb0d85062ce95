from django.db import migrations


def load(apps, schema_editor):
    import pycountry

    from vendors import taxonomy

    ServiceCategory = apps.get_model("vendors", "ServiceCategory")
    ServiceFunction = apps.get_model("vendors", "ServiceFunction")
    Industry = apps.get_model("vendors", "Industry")
    CertificationType = apps.get_model("vendors", "CertificationType")
    Technology = apps.get_model("vendors", "Technology")
    SecurityControl = apps.get_model("vendors", "SecurityControl")
    Language = apps.get_model("vendors", "Language")

    for order, (slug, name, description, functions) in enumerate(taxonomy.CATEGORIES):
        category, _ = ServiceCategory.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "sort_order": order}
        )
        for position, function in enumerate(functions):
            ServiceFunction.objects.get_or_create(
                slug=taxonomy.slugify(function),
                defaults={"name": function, "category": category, "sort_order": position},
            )
    for name in taxonomy.INDUSTRIES:
        Industry.objects.get_or_create(slug=taxonomy.slugify(name), defaults={"name": name})
    for name, description in taxonomy.CERTIFICATIONS:
        CertificationType.objects.get_or_create(
            slug=taxonomy.slugify(name), defaults={"name": name, "description": description}
        )
    for kind, names in taxonomy.TECHNOLOGIES:
        for name in names:
            Technology.objects.get_or_create(name=name, defaults={"kind": kind})
    for name in taxonomy.SECURITY_CONTROLS:
        SecurityControl.objects.get_or_create(name=name)
    Language.objects.bulk_create(
        [
            Language(code=language.alpha_2, name=language.name)
            for language in pycountry.languages
            if hasattr(language, "alpha_2")
        ],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("vendors", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
