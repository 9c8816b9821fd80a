"""The national zone rule every deployment carries (``defaults.NATIONAL``, frozen here)."""

from django.db import migrations
from django.utils import timezone

NET_CAFE_200 = {
    "code": "NET_CAFE_200",
    "name": "中小学校园周围200米内不得设立互联网上网服务营业场所",
    "kind": "exclusion",
    "venue_types": ["internet_cafe"],
    "stages": ["primary", "junior", "senior", "nine_year", "twelve_year", "complete_secondary"],
    "distance_m": 200,
    "measure_from": "boundary",
    "clause": "《互联网上网服务营业场所管理条例》第九条；《中小学幼儿园安全管理办法》（教育部令第23号）第五十二条",
    "days": 30,
    "pack": "national",
}


def load(apps, schema_editor):
    ZoneRule = apps.get_model("zones", "ZoneRule")
    now = timezone.now()
    ZoneRule.objects.get_or_create(
        bureau=None,
        code=NET_CAFE_200["code"],
        defaults={**NET_CAFE_200, "created_at": now, "updated_at": now},
    )


class Migration(migrations.Migration):
    dependencies = [("zones", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
