"""Load the shipped default catalog (written from the five seed documents) for a bureau."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from safecampus.catalog.services import catalog_load
from safecampus.orgs.models import Bureau

DEFAULT_CATALOG = Path(__file__).resolve().parents[2] / "data" / "default_catalog.json"


def default_catalog_data() -> dict:
    return json.loads(DEFAULT_CATALOG.read_text(encoding="utf-8"))


class Command(BaseCommand):
    help = "Publish the default risk catalog as a new version for a bureau (by code prefix)."

    def add_arguments(self, parser):
        parser.add_argument("bureau", help="the bureau's code prefix, e.g. MH")

    def handle(self, *args, bureau: str, **options):
        target = Bureau.objects.filter(code_prefix=bureau).first()
        if target is None:
            raise CommandError(f"no bureau with code prefix {bureau}")
        version, warnings = catalog_load(bureau=target, data=default_catalog_data())
        for warning in warnings:
            self.stderr.write(str(warning))
        self.stdout.write(
            self.style.SUCCESS(
                f"{version}: {version.areas.count()} areas, {version.items.count()} items"
            )
        )
