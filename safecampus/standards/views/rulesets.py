"""Pages of security standards: rulesets (scaffold; filled in by its owner)."""

urlpatterns: list = []
