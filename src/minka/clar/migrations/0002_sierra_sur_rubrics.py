from django.db import migrations


def forward(apps, schema_editor):
    from minka.clar.rubrics import install

    install(apps.get_model("clar", "Rubric"), apps.get_model("clar", "RubricCriterion"))


def backward(apps, schema_editor):
    apps.get_model("clar", "Rubric").objects.filter(programme=None, version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("clar", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
