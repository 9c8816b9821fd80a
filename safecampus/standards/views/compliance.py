"""Pages of security standards: compliance (scaffold; filled in by its owner)."""

urlpatterns: list = []
