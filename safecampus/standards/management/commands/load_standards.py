from django.core.management.base import BaseCommand, CommandError

from safecampus.orgs.models import Bureau
from safecampus.standards.choices import PolicyMode
from safecampus.standards.loading import ensure_policy, load_rule_sets
from safecampus.standards.services import evaluate_bureau


class Command(BaseCommand):
    help = (
        "Write the shipped security rule sets; with --bureau, give that bureau a policy (if it "
        "has none) and check every school of it against the rules."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bureau", help="bureau code prefix (e.g. MH)")
        parser.add_argument(
            "--sets",
            default="shanghai,gb29315",
            help="rule set codes in order (default: shanghai,gb29315)",
        )
        parser.add_argument("--mode", default=PolicyMode.STRICTER, choices=PolicyMode.values)

    def handle(self, *args, bureau=None, sets="", mode=PolicyMode.STRICTER, **options):
        loaded = load_rule_sets()
        self.stdout.write(f"rule sets: {', '.join(loaded)}")
        if not bureau:
            return
        found = Bureau.objects.filter(code_prefix=bureau).first()
        if found is None:
            raise CommandError(f"no bureau with code prefix {bureau}")
        ensure_policy(found, [c for c in sets.split(",") if c], mode)
        result = evaluate_bureau(found)
        self.stdout.write(f"{found.name}: {result}")
