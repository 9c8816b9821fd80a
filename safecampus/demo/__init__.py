"""Demo data for SafeCampus in one place: ``manage.py seed_demo`` and the builders it calls.

It is the only package that may import every app (organisations, accounts, catalog, hazards,
campaigns, weekly reports, spot checks, accountability, notifications); nothing else imports it.

- ``organisations``: the bureaus, departments, leadership group, schools, partners and accounts;
- ``hazards``: hazards reported and moved along;
- ``campaign``: a launched campaign with forms in every state, and next year's draft;
- ``supervision``: the campaign a few weeks on (weekly reports, a spot check, a consultation,
  a school under 挂牌督办, the first daily digests);
- ``duties``: recurring duties (the school calendar, the default duty catalog, this year's work
  plan, what each body owes up to today and a history of records);
- ``standards``: security standards (the shipped rule sets, the district's policy, every
  school's security facts evaluated, two findings turned into hazards);
- ``zones``: the student safety zone (the zone rules, a culture and law-enforcement partner,
  boundaries and parents' waiting areas, about 200 venues in three coordinate systems, every
  venue checked, cases assigned by 法制科 and closed, recorded or inspected by the police);
- ``incidents``: incident routing, about 60 incidents (late ones, follow-ups, closing reports, a
  serious fire with its 三同步, an accident through insurance and mediation, a restricted
  bullying case), an open food poisoning owing its follow-up, a cluster alert.
"""
