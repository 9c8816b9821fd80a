"""``manage.py load_zone_rules --bureau MH [--pack minhang ...]``: load the shipped zone rules
(the national ones always; the named packs, or all of them, into the bureau), then check the
bureau's venues again."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from safecampus.orgs.models import Bureau
from safecampus.zones import detection
from safecampus.zones.defaults import PACKS
from safecampus.zones.loading import load_national, load_pack


class Command(BaseCommand):
    help = "Load the shipped student safety zone rules into a bureau and check its venues again."

    def add_arguments(self, parser):
        parser.add_argument("--bureau", help="the bureau's code prefix (for example MH)")
        parser.add_argument("--pack", action="append", choices=sorted(PACKS), default=None)

    def handle(self, *args, bureau=None, pack=None, **options):
        made = load_national()
        if bureau:
            target = Bureau.objects.filter(code_prefix=bureau).first()
            if target is None:
                raise CommandError(f"No bureau with the code prefix {bureau!r}.")
            for name in pack or sorted(PACKS):
                made += load_pack(target, name)
            counts = detection.recheck_bureau(target.pk, now=timezone.now())
            self.stdout.write(f"checked {counts.get('venues', 0)} venues, {dict(counts)}")
        self.stdout.write(f"{made} rules loaded")
