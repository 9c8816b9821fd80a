"""``manage.py seed_demo``: a demo district modelled on 000_b0b7d186cefae7de.txt (闵行区教育局).

It creates the Shanghai city bureau, 闵行区教育局 with the departments and leadership group of
000 §三, about 350 schools with a realistic mix, partner units and demo users for every role, then
(unless told not to) demo hazards, a campaign and its supervision, recurring duties (a
school calendar, the default duty catalog, this year's work plan, a history of records) and
security standards (the shipped rule sets, a policy, facts, findings, two of them hazards) and
the student safety zone (rules, boundaries, waiting areas, venues, cases moved along) and
messages (group robots, paused, with an outbox history).
``--schools N`` scales it:
schools beyond the first 400 go to further district bureaus under the city bureau, so a city-level
account sees the whole tree. Everything is written with bulk inserts; 40,000 schools take seconds.
"""

from __future__ import annotations

import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from safecampus.audit import chain as audit_chain
from safecampus.audit.models import Action
from safecampus.audit.services import audit_record
from safecampus.core.db import db_optimize
from safecampus.demo import organisations as orgs
from safecampus.orgs.models import Bureau


class Command(BaseCommand):
    help = "Create a demo district (闵行区 model) with schools, departments, partners and users."

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, default=350, help="number of schools")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument("--no-users", action="store_true", help="skip the demo accounts")
        parser.add_argument(
            "--no-activity",
            action="store_true",
            help="the accounts, but no demo hazards, campaign or supervision (for benchmarks)",
        )

    def handle(self, *args, schools: int, seed: int, no_users: bool, **options):
        no_activity = options.get("no_activity", False)
        if schools < 1:
            raise CommandError("--schools must be at least 1")
        if Bureau.objects.filter(code_prefix="MH").exists():
            self.stdout.write("The demo district exists already; nothing to do.")
            self._print_logins()
            return
        started = time.monotonic()
        rng = random.Random(seed)
        with transaction.atomic():
            city, district = orgs.build_bureaus()
            departments = orgs.build_departments(district)
            orgs.build_leadership(district, departments)
            for warning in orgs.load_catalog(district):
                self.stderr.write(str(warning))
            all_schools = orgs.build_schools(rng, city, district, schools)
            partners = orgs.build_partners(district, all_schools)
            if not no_users:
                orgs.build_users(city, district, departments, partners)
            if not no_users and not no_activity:
                self._activity(district)
            audit_record(
                action=Action.IMPORT,
                actor_username="system",
                bureau_id=district.pk,
                data={"kind": "seed_demo", "schools": schools},
            )
        db_optimize(full=True)
        # the auditors' page shows the chain as checked from the start, not only after 02:41
        audit_chain.check(record=True)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo district ready: {schools} schools in {time.monotonic() - started:.1f} s."
            )
        )
        self._print_logins()

    def _activity(self, district) -> None:
        from safecampus.demo.campaign import seed_demo_campaign
        from safecampus.demo.duties import seed_demo_duties
        from safecampus.demo.hazards import seed_demo_hazards
        from safecampus.demo.supervision import seed_demo_supervision

        n = seed_demo_hazards(district=district, password=orgs.DEMO_PASSWORD)
        self.stdout.write(f"{n} demo hazards reported and moved along.")
        campaign = seed_demo_campaign(district=district, password=orgs.DEMO_PASSWORD)
        self.stdout.write(f"Demo campaign launched: {campaign.name}.")
        done = seed_demo_supervision(campaign=campaign, password=orgs.DEMO_PASSWORD)
        self.stdout.write(
            f"Supervision: {done['weekly_reports']} weekly reports, a spot check, "
            "a consultation and the first daily digests."
        )
        duties = seed_demo_duties(district=district)
        self.stdout.write(
            f"Recurring duties: {duties['duties']} duties and the work plan published, "
            f"{duties['occurrences']} occurrences owed, {duties['records']} records "
            f"({duties['late']} late), one excuse pending."
        )
        for warning in duties["warnings"]:
            self.stderr.write(str(warning))
        from safecampus.demo.standards import seed_demo_standards

        standards = seed_demo_standards(district=district)
        self.stdout.write(
            f"Security standards: {standards['facts']} schools' facts evaluated, "
            f"{standards['findings']} findings open, {standards['hazards']} turned into hazards; "
            f"{standards['blank']} has not filled in its facts yet."
        )
        from safecampus.demo.zones import seed_demo_zones

        started = time.monotonic()
        zones = seed_demo_zones(district=district)
        self.stdout.write(
            f"Student safety zone: {zones['venues']} venues checked, {zones['cases']} cases "
            f"({zones['assigned']} assigned, {zones['closed']} closed, {zones['overdue']} "
            f"overdue), {zones['boundaries']} boundaries, {zones['waiting_areas']} waiting "
            f"areas in {time.monotonic() - started:.1f} s."
        )
        from safecampus.demo.incidents import seed_demo_incidents

        incidents = seed_demo_incidents(district=district)
        self.stdout.write(
            f"Incidents: {incidents['incidents']} reported ({incidents['late']} late), a serious "
            "fire with its 三同步, an accident through insurance and mediation, a restricted "
            "bullying case, an open food poisoning owing its daily follow-up, a cluster alert."
        )
        from safecampus.demo.watch import seed_demo_watch

        watch = seed_demo_watch(district=district)
        self.stdout.write(
            f"Duty watch: {watch['periods']} periods, {watch['rosters']} rosters published, "
            f"{watch['missed']} missed shift."
        )
        from safecampus.demo.messaging import seed_demo_messaging

        messaging = seed_demo_messaging(district=district)
        self.stdout.write(
            f"Messages: {messaging['robots']} group robots (paused: the demo sends nothing "
            f"outside), {messaging['messages']} messages in the outbox "
            f"({messaging['waiting']} waiting)."
        )

    def _print_logins(self) -> None:
        for line in orgs.demo_logins():
            self.stdout.write(line)
