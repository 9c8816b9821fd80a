"""The zone rules SafeCampus ships, each citing its source (DOMAIN.md §9).

The law and the seeds measure from different lines, and the rules keep them apart:

- the national ban on internet cafés within 200 m of primary and secondary schools
  (互联网上网服务营业场所管理条例 art. 9, enforced under 教育部令第23号 art. 52) is measured in a
  straight line from the school's wall, that is its campus boundary (国务院法制办's 2003 reply to
  文化部); it applies everywhere (no bureau);
- 004 §二(二) sets its student safety zone at 200 m from the school gate;
- 000 §四(一)10 asks to clear internet cafés, KTV, game halls and vice within 200 m around the
  school (周边200米), measured here from the boundary, the stricter reading;
- 001 §二(三) puts the parents' waiting area within 50 m of the gate.

A pack is loaded into a bureau with ``manage.py load_zone_rules --bureau CODE --pack NAME``; a
bureau adds its own rules on the rules page.
"""

from __future__ import annotations

from .choices import MeasureFrom, RuleKind, VenueType

#: 中小学: the stages the internet-café ban covers (not kindergartens, not vocational schools)
PRIMARY_AND_SECONDARY = [
    "primary",
    "junior",
    "senior",
    "nine_year",
    "twelve_year",
    "complete_secondary",
]

NATIONAL = [
    {
        "code": "NET_CAFE_200",
        "name": "中小学校园周围200米内不得设立互联网上网服务营业场所",
        "kind": RuleKind.EXCLUSION,
        "venue_types": [VenueType.INTERNET_CAFE],
        "stages": PRIMARY_AND_SECONDARY,
        "distance_m": 200,
        "measure_from": MeasureFrom.BOUNDARY,
        "clause": (
            "《互联网上网服务营业场所管理条例》第九条；"
            "《中小学幼儿园安全管理办法》（教育部令第23号）第五十二条"
        ),
        "days": 30,
    }
]

PACKS: dict[str, dict] = {
    "minhang": {
        "label": "闵行区：校园周边200米清理整治（000 §四(一)10）",
        "rules": [
            {
                "code": "MH_AROUND_200",
                "name": "校园周边200米内网吧、KTV、游戏机房及“涉黄涉赌涉毒”场所清理整治",
                "kind": RuleKind.EXCLUSION,
                "venue_types": [
                    VenueType.INTERNET_CAFE,
                    VenueType.ENTERTAINMENT,
                    VenueType.GAME_HALL,
                    VenueType.VICE,
                ],
                "stages": [],
                "distance_m": 200,
                "measure_from": MeasureFrom.BOUNDARY,
                "clause": "000 §四(一)10",
                "days": 30,
            }
        ],
    },
    "safety_zone_gate": {
        "label": "学生安全区域：以校门口为起点200米（004 §二(二)）",
        "rules": [
            {
                "code": "ZONE_GATE_200",
                "name": "学生安全区域（以校门口为起点200米）内禁止设立的场所",
                "kind": RuleKind.EXCLUSION,
                "venue_types": [
                    VenueType.INTERNET_CAFE,
                    VenueType.ENTERTAINMENT,
                    VenueType.GAME_HALL,
                    VenueType.BAR,
                    VenueType.POLLUTING,
                    VenueType.VICE,
                ],
                "stages": [],
                "distance_m": 200,
                "measure_from": MeasureFrom.GATE,
                "clause": "004 §二(二)",
                "days": 30,
            }
        ],
    },
    "waiting_area": {
        "label": "家长等候区：校门口附近50米内（001 §二(三)）",
        "rules": [
            {
                "code": "WAITING_50",
                "name": "学校门口附近50米区域内设置家长等候区",
                "kind": RuleKind.WAITING_AREA,
                "venue_types": [],
                "stages": [],
                "distance_m": 50,
                "measure_from": MeasureFrom.GATE,
                "clause": "001 §二(三)",
                "days": 30,
            }
        ],
    },
}

#: which kinds of partner unit a venue type concerns (004 §三(四): 综治办 for small inns and
#: internet cafés, 综合执法 for street stalls and pollution, 派出所 for order; 001 §二(一): 市场
#: 监管、文广旅体、综合执法 for the venues within 200 m)
CONCERNED_PARTNERS: dict[str, list[str]] = {
    VenueType.INTERNET_CAFE: ["culture", "police"],
    VenueType.ENTERTAINMENT: ["culture", "police"],
    VenueType.GAME_HALL: ["culture", "police"],
    VenueType.BAR: ["police", "market"],
    VenueType.HOTEL: ["police"],
    VenueType.LOTTERY: ["market"],
    VenueType.POLLUTING: ["street", "other"],
    VenueType.VICE: ["police"],
    VenueType.STALLS: ["street", "market"],
    VenueType.OTHER: ["street"],
}

#: the name of the department that takes zone cases when the bureau chose none
DEFAULT_DEPARTMENT_NAME = "法制科"
