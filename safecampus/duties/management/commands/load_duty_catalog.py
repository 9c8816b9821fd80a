"""``manage.py load_duty_catalog --bureau <id or name>``: publish the shipped default duty
catalog (``duties.defaults``) as a new version of a bureau's duty catalog."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from safecampus.duties.loading import load_default_catalog
from safecampus.orgs.models import Bureau


class Command(BaseCommand):
    help = "Publish the default duty catalog (常态化工作清单) as a new version for a bureau."

    def add_arguments(self, parser):
        parser.add_argument(
            "--bureau", required=True, help="the bureau's id, name, short name or code prefix"
        )
        parser.add_argument(
            "--draft", action="store_true", help="leave it as a draft instead of publishing it"
        )

    def handle(self, *args, bureau: str, draft: bool = False, **options):
        target = _find_bureau(bureau)
        try:
            result = load_default_catalog(bureau=target, publish=not draft)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        for warning in result.warnings:
            self.stderr.write(str(warning))
        state = "draft" if draft else "published"
        self.stdout.write(
            self.style.SUCCESS(
                f"{target.name}: {result.version} {state} with {result.duties} duties"
                f" ({len(result.warnings)} department names not found)."
            )
        )


def _find_bureau(text: str) -> Bureau:
    text = text.strip()
    if text.isdigit() and (found := Bureau.objects.filter(pk=int(text)).first()):
        return found
    for field in ("name", "short_name", "code_prefix"):
        matches = list(Bureau.objects.filter(**{field: text})[:2])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise CommandError(f"more than one bureau with {field} {text!r}; give its id")
    raise CommandError(f"no bureau with id, name, short name or code prefix {text!r}")
