from django.db import migrations


class Migration(migrations.Migration):
    """The one likelihood/consequence pair becomes the current score (year start and target follow)."""

    dependencies = [
        ("risks", "0002_bounded_text"),
    ]

    operations = [
        migrations.RenameField("risk", "likelihood", "current_likelihood"),
        migrations.RenameField("risk", "consequence", "current_impact"),
        migrations.RenameField("historicalrisk", "likelihood", "current_likelihood"),
        migrations.RenameField("historicalrisk", "consequence", "current_impact"),
    ]
