from collections import Counter

from django.core.management import call_command

from safecampus.accounts.models import User
from safecampus.orgs.models import Bureau, LeadershipMember, School


def test_seed_demo_builds_a_realistic_district(db):
    call_command("seed_demo", schools=200)
    district = Bureau.objects.get(code_prefix="MH")
    schools = School.objects.filter(bureau=district)
    assert schools.count() == 200
    mix = Counter(schools.values_list("stage", flat=True))
    assert 0.35 < mix["kindergarten"] / 200 < 0.55
    assert 0.2 < mix["primary"] / 200 < 0.4
    assert schools.filter(boarding=True).exists() and schools.filter(ownership="private").exists()
    assert all(
        len(code) == 10 and code.isdigit() for code in schools.values_list("code", flat=True)
    )
    assert set(district.departments.values_list("name", flat=True)) >= {
        "普教一科",
        "法制科",
        "安全管理中心",
        "学前科",
    }
    leaders = LeadershipMember.objects.filter(group__bureau=district, position="leader")
    assert set(leaders.values_list("name", flat=True)) == {"恽敏霞", "何美龙"}
    assert (
        User.objects.filter(username__in=["centre", "school", "auditor", "secadmin"]).count() == 4
    )
    from safecampus.campaigns.models import Campaign

    launched = Campaign.objects.get(bureau=district, status="launched")
    assert launched.forms.count() == 200
    assert launched.forms.filter(status__in=["submitted", "accepted", "returned"]).count() == 40
    assert Campaign.objects.filter(bureau=district, status="draft").count() == 1


def test_seed_demo_spreads_large_runs_over_district_bureaus_and_is_idempotent(db):
    call_command("seed_demo", schools=900, no_users=True)
    assert School.objects.count() == 900
    assert Bureau.objects.filter(parent__code_prefix="SH").count() == 3
    call_command("seed_demo", schools=900, no_users=True)
    assert School.objects.count() == 900
