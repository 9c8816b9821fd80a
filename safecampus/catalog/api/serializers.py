from rest_framework import serializers

from safecampus.catalog.models import CatalogVersion, CheckItem, CheckItemRoute, RiskArea


class CatalogVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CatalogVersion
        fields = ["id", "bureau", "number", "title", "status", "based_on", "published_at"]


class RiskAreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskArea
        fields = ["id", "version", "code", "name", "source"]


class CheckItemRouteSerializer(serializers.ModelSerializer):
    """Which department takes the item for which school stages (empty: any) or subject."""

    class Meta:
        model = CheckItemRoute
        fields = ["department", "stages", "subject"]


class CheckItemSerializer(serializers.ModelSerializer):
    routes = CheckItemRouteSerializer(many=True, read_only=True)

    class Meta:
        model = CheckItem
        fields = [
            "id",
            "version",
            "area",
            "code",
            "text",
            "guidance",
            "legal_basis",
            "source",
            "stages",
            "boarding_only",
            "needs_canteen",
            "needs_chem_lab",
            "responsible_body",
            "school_facing",
            "responsible_departments",
            "cooperating_departments",
            "subject",
            "routes",
            "default_level",
        ]
