"""The organisation part of the demo district, modelled on 000_b0b7d186cefae7de.txt (闵行区教育局).

The Shanghai city bureau, 闵行区教育局 with the departments and leadership group of 000 §三, about
350 schools with a realistic mix, partner units and demo users for every role. Schools beyond the
first 400 go to further district bureaus under the city bureau, so a city-level account sees the
whole tree. Everything is written with bulk inserts; 40,000 schools take seconds.
``manage.py seed_demo`` (``safecampus.demo``) puts it together.
"""

from __future__ import annotations

from decimal import Decimal

from safecampus.accounts.models import User
from safecampus.accounts.services import role_grant, user_create
from safecampus.core.roles import Role
from safecampus.orgs.choices import CoordSystem, DepartmentKind, LeadershipPosition, PartnerKind
from safecampus.orgs.models import (
    Bureau,
    Department,
    LeadershipGroup,
    LeadershipMember,
    PartnerCoverage,
    PartnerUnit,
    Region,
    School,
    SchoolGate,
)
from safecampus.orgs.services import bureau_create

DEMO_PASSWORD = "Demo@2026"
DEMO_USERNAMES = [
    "centre",
    "leader",
    "pj1",
    "fzk",
    "xqk",
    "aqzx",
    "inspector",
    "school",
    "principal",
    "kg",
    "police",
    "city",
    "sysadmin",
    "secadmin",
    "auditor",
]
DISTRICT_SIZE = 400

#: 000 §三: the departments named as members of the leadership group, plus 区教育学院 (§四 5.①)
DEPARTMENTS = [
    ("办公室", DepartmentKind.OFFICE),
    ("督导室", DepartmentKind.OFFICE),
    ("党群科", DepartmentKind.SECTION),
    ("人事科", DepartmentKind.SECTION),
    ("信访办", DepartmentKind.OFFICE),
    ("普教一科", DepartmentKind.SECTION),
    ("普教二科", DepartmentKind.SECTION),
    ("学前科", DepartmentKind.SECTION),
    ("法制科", DepartmentKind.SECTION),
    ("职业和终身教育科", DepartmentKind.SECTION),
    ("安全管理中心", DepartmentKind.CENTRE),
    ("教育基建装备资产管理中心", DepartmentKind.CENTRE),
    ("区教育学院", DepartmentKind.INSTITUTE),
]
#: 000 §三: 组长, 副组长 (with their posts as the notice gives them)
LEADERS = [
    ("恽敏霞", "党工委书记", LeadershipPosition.LEADER),
    ("何美龙", "局长", LeadershipPosition.LEADER),
    ("李光华", "党工委副书记", LeadershipPosition.DEPUTY),
    ("马秀明", "副局长", LeadershipPosition.DEPUTY),
    ("王维刚", "副局长", LeadershipPosition.DEPUTY),
    ("孔德新", "副局长", LeadershipPosition.DEPUTY),
    ("潘蓓蕾", "副局长", LeadershipPosition.DEPUTY),
    ("朱军", "三级调研员", LeadershipPosition.DEPUTY),
    ("刘兆利", "三级调研员", LeadershipPosition.DEPUTY),
]

TOWNS = [
    "莘庄",
    "七宝",
    "颛桥",
    "梅陇",
    "虹桥",
    "马桥",
    "吴泾",
    "浦江",
    "华漕",
    "古美",
    "江川",
    "新虹",
    "浦锦",
]
ROADS = [
    "春申",
    "莲花",
    "沪闵",
    "虹梅",
    "龙茗",
    "平吉",
    "银都",
    "水清",
    "莘松",
    "古龙",
    "报春",
    "都市",
    "七莘",
    "漕宝",
    "东川",
    "剑川",
    "景谷",
    "浦星",
    "联航",
    "申滨",
    "紫藤",
    "航华",
    "田园",
    "碧江",
    "万源",
    "合川",
    "中春",
    "北松",
    "秀文",
    "兰坪",
]
ORDINALS = "一二三四五六七八九十"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志宏海燕雪梅文婷丹"

#: (stage, share, students range, boarding share, private share)
MIX = [
    ("kindergarten", 0.45, (120, 450), 0.0, 0.25),
    ("primary", 0.30, (500, 2200), 0.02, 0.10),
    ("junior", 0.15, (400, 1500), 0.08, 0.12),
    ("senior", 0.03, (800, 2000), 0.6, 0.10),
    ("nine_year", 0.03, (900, 2400), 0.1, 0.15),
    ("complete_secondary", 0.015, (1200, 2500), 0.5, 0.0),
    ("twelve_year", 0.005, (1500, 3000), 0.5, 0.8),
    ("vocational", 0.01, (800, 3000), 0.7, 0.2),
    ("special", 0.005, (80, 300), 0.5, 0.0),
]
SUFFIX = {
    "kindergarten": "幼儿园",
    "primary": "小学",
    "junior": "初级中学",
    "senior": "高级中学",
    "nine_year": "学校",
    "complete_secondary": "中学",
    "twelve_year": "外国语学校",
    "vocational": "职业技术学校",
    "special": "特殊教育学校",
    "reform": "学校",
}
#: the demo district's box (GCJ-02, as read from Amap), roughly 闵行区
LNG, LAT = (121.33, 121.55), (30.98, 31.22)


# --- organisations --------------------------------------------------------------------------


def build_bureaus():
    sh, _ = Region.objects.get_or_create(
        code="310000", defaults={"name": "上海市", "level": "province"}
    )
    mh, _ = Region.objects.get_or_create(
        code="310112", defaults={"name": "闵行区", "level": "county", "parent": sh}
    )
    city = bureau_create(
        actor=None,
        name="上海市教育委员会（演示）",
        short_name="市教委",
        code_prefix="SH",
        region=sh,
    )
    district = bureau_create(
        actor=None,
        name="闵行区教育局",
        short_name="闵行",
        code_prefix="MH",
        region=mh,
        parent=city,
    )
    # the name and number prefix on the district's documents (公文)
    Bureau.objects.filter(pk=district.pk).update(
        issuing_body="上海市闵行区教育局", doc_number_prefix="闵教安"
    )
    district.refresh_from_db()
    return city, district


def build_departments(bureau):
    objs = [
        Department(bureau=bureau, name=name, kind=kind, sort_order=i)
        for i, (name, kind) in enumerate(DEPARTMENTS)
    ]
    Department.objects.bulk_create(objs)
    return {d.name: d for d in Department.objects.filter(bureau=bureau)}


def build_leadership(bureau, departments):
    group = LeadershipGroup.objects.create(
        bureau=bureau,
        name="闵行区教育局校园安全专项整治工作领导小组",
        office_department=departments["安全管理中心"],
        office_director="朱军",
    )
    members = [
        LeadershipMember(group=group, name=name, title=title, position=pos, sort_order=i)
        for i, (name, title, pos) in enumerate(LEADERS)
    ]
    members += [
        LeadershipMember(
            group=group,
            name=f"{d.name}负责人",
            title="负责人",
            position=LeadershipPosition.MEMBER,
            department=d,
            sort_order=100 + i,
        )
        for i, d in enumerate(departments.values())
        if d.name != "区教育学院"
    ]
    LeadershipMember.objects.bulk_create(members)


def load_catalog(district) -> list:
    from safecampus.catalog.management.commands.load_default_catalog import (
        default_catalog_data,
    )
    from safecampus.catalog.services import catalog_load

    _version, warnings = catalog_load(bureau=district, data=default_catalog_data())
    return warnings


def build_schools(rng, city, district, total):
    mh = district.region
    bureaus = [district]
    extra = max(0, total - DISTRICT_SIZE)
    for k in range((extra + DISTRICT_SIZE - 1) // DISTRICT_SIZE):
        region, _ = Region.objects.get_or_create(
            code=f"{319000 + k + 1}"[:6],
            defaults={"name": f"演示第{k + 1}区", "level": "county", "parent": mh.parent},
        )
        bureaus.append(
            bureau_create(
                actor=None,
                name=f"演示第{k + 1}区教育局",
                code_prefix=f"D{_letters(k)}",
                region=region,
                parent=city,
            )
        )
    stages = [m[0] for m in MIX]
    weights = [m[1] for m in MIX]
    params = {m[0]: m for m in MIX}
    names: set[str] = set()
    batch, gates, created = [], [], 0
    for i in range(total):
        bureau = bureaus[min(i // DISTRICT_SIZE, len(bureaus) - 1)]
        prefix = "闵行区" if bureau is district else bureau.name.removesuffix("教育局")
        if i == 0:
            stage, name = "reform", "闵行区启德学校"  # 000 §四 4.③: the specialised school
            lo_hi, boarding_share, private_share = (60, 150), 1.0, 0.0
        else:
            stage = rng.choices(stages, weights)[0]
            _s, _w, lo_hi, boarding_share, private_share = params[stage]
            name = _name(rng, prefix, stage, names)
        names.add(name)
        students = rng.randint(*lo_hi)
        boarding = rng.random() < boarding_share
        boarders = int(students * rng.uniform(0.3, 0.8)) if boarding else 0
        staff = max(8, students // (8 if stage == "kindergarten" else 12))
        gate_count = 1 if students < 600 else rng.choice([2, 2, 3])
        lng = Decimal(str(round(rng.uniform(*LNG), 6)))
        lat = Decimal(str(round(rng.uniform(*LAT), 6)))
        town = rng.choice(TOWNS)
        school = School(
            bureau=bureau,
            region=bureau.region,
            code=f"3{bureaus.index(bureau):03d}{i:06d}",
            name=name,
            stage=stage,
            ownership="private" if rng.random() < private_share else "public",
            boarding=boarding,
            students=students,
            boarders=boarders,
            staff=staff,
            gate_count=gate_count,
            has_canteen=stage != "kindergarten" or rng.random() < 0.7,
            has_chem_lab=stage
            in (
                "junior",
                "senior",
                "nine_year",
                "complete_secondary",
                "twelve_year",
                "vocational",
            ),
            address=f"上海市{prefix}{town}镇{rng.choice(ROADS)}路{rng.randint(1, 2999)}号",
            principal=_person(rng),
            safety_officer=_person(rng),
            phone=f"021-{rng.randint(5000, 6999)}{rng.randint(1000, 9999)}",
        )
        batch.append(
            (
                school,
                [(lng + Decimal(g) / 2000, lat + Decimal(g) / 3000) for g in range(gate_count)],
            )
        )
        if len(batch) >= 2000:
            created += _flush(batch, gates)
            batch = []
    created += _flush(batch, gates)
    return School.objects.filter(bureau=district)


def _flush(batch, _gates) -> int:
    if not batch:
        return 0
    School.objects.bulk_create([s for s, _g in batch], batch_size=1000)
    ids = dict(
        School.objects.filter(code__in=[s.code for s, _g in batch]).values_list("code", "pk")
    )
    SchoolGate.objects.bulk_create(
        [
            SchoolGate(
                school_id=ids[s.code],
                name=f"{n + 1}号门",
                longitude=lng.quantize(Decimal("0.000001")),
                latitude=lat.quantize(Decimal("0.000001")),
                coord_system=CoordSystem.GCJ02,
            )
            for s, positions in batch
            for n, (lng, lat) in enumerate(positions)
        ],
        batch_size=2000,
    )
    return len(batch)


def _name(rng, prefix, stage, names) -> str:
    for _attempt in range(50):
        place = rng.choice(TOWNS + ROADS)
        if stage in ("junior", "primary", "kindergarten") and rng.random() < 0.3:
            name = f"{prefix}{place}第{rng.choice(ORDINALS)}{SUFFIX[stage].replace('初级', '')}"
        else:
            name = f"{prefix}{place}{SUFFIX[stage]}"
        if name not in names:
            return name
    n = 1
    while f"{prefix}{place}{SUFFIX[stage]}（{n}）" in names:
        n += 1
    return f"{prefix}{place}{SUFFIX[stage]}（{n}）"


def build_partners(district, schools):
    specs = [
        ("闵行公安分局", PartnerKind.POLICE, None),
        ("闵行区消防救援支队", PartnerKind.FIRE, None),
        ("闵行区市场监督管理局", PartnerKind.MARKET, "has_canteen"),
        ("闵行区卫生健康委员会", PartnerKind.HEALTH, None),
        ("七宝镇人民政府", PartnerKind.STREET, "七宝"),
    ]
    partners = {}
    for name, kind, cover in specs:
        partner = PartnerUnit.objects.create(bureau=district, name=name, kind=kind)
        partners[kind] = partner
        qs = schools
        if cover == "has_canteen":
            qs = qs.filter(has_canteen=True)
        elif cover:
            qs = qs.filter(address__contains=cover)
        PartnerCoverage.objects.bulk_create(
            [
                PartnerCoverage(partner=partner, school_id=pk)
                for pk in qs.values_list("pk", flat=True)
            ],
            batch_size=2000,
        )
    return partners


# --- people ---------------------------------------------------------------------------------


def build_users(city, district, departments, partners):
    first_primary = School.objects.filter(bureau=district, stage="primary").order_by("id")[0]
    first_kg = School.objects.filter(bureau=district, stage="kindergarten").order_by("id")[0]
    accounts = [
        ("sysadmin", "系统管理员 孙浩", Role.SYSTEM_ADMIN, district),
        ("secadmin", "安全管理员 钱晓燕", Role.SECURITY_ADMIN, district),
        ("auditor", "审计员 周立", Role.AUDITOR, district),
        ("centre", "安全管理中心 陈静", Role.SAFETY_CENTRE, district),
        ("leader", "领导小组 何美龙", Role.LEADERSHIP, district),
        ("pj1", "普教一科 李强", Role.DEPARTMENT_OFFICER, departments["普教一科"]),
        ("fzk", "法制科 王芳", Role.DEPARTMENT_OFFICER, departments["法制科"]),
        ("xqk", "学前科 赵敏", Role.DEPARTMENT_OFFICER, departments["学前科"]),
        ("aqzx", "安全管理中心 刘洋", Role.DEPARTMENT_OFFICER, departments["安全管理中心"]),
        ("inspector", "督导 吴杰", Role.INSPECTOR, district),
        ("school", f"{first_primary.name} 安全员", Role.SCHOOL_OFFICER, first_primary),
        ("principal", f"{first_primary.name} 校长", Role.PRINCIPAL, first_primary),
        ("kg", f"{first_kg.name} 安全员", Role.SCHOOL_OFFICER, first_kg),
        ("police", "闵行公安分局 联络员", Role.PARTNER, partners[PartnerKind.POLICE]),
        ("city", "市教委 安全处", Role.SAFETY_CENTRE, city),
    ]
    for username, full_name, role, org in accounts:
        bureau = org if isinstance(org, Bureau) else org.bureau
        user = user_create(
            actor=None,
            username=username,
            password=DEMO_PASSWORD,
            full_name=full_name,
            bureau=bureau,
            must_change_password=False,
        )
        role_grant(actor=None, user=user, role=role, organisation=org)
    # the demo leader is 何美龙, 组长 of the group (000 §三)
    LeadershipMember.objects.filter(name="何美龙").update(user=User.objects.get(username="leader"))


def demo_logins() -> list[str]:
    """The lines that tell who may log in to the demo district, and where."""
    from safecampus.accounts.models import RoleAssignment

    demo = RoleAssignment.objects.active().filter(user__username__in=DEMO_USERNAMES)
    rows = {
        ra.user.username: ra
        for ra in demo.select_related("user", "bureau", "department", "school", "partner")
    }
    if not rows:
        return []
    out = [f"\nDemo logins (password for all: {DEMO_PASSWORD}):"]
    for username in DEMO_USERNAMES:
        if ra := rows.get(username):
            out.append(f"  {username:<10} {ra.get_role_display():<28} {ra.organisation}")
    if district := Bureau.objects.filter(code_prefix="MH").first():
        # failed logins with unknown names on this page reach 闵行's auditor
        out.append(f"Login page of {district.name}: /accounts/login/{district.pk}/")
    return out


def _person(rng) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def _letters(k: int) -> str:
    out = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        out = chr(65 + r) + out
    return out
