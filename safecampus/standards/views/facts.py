"""Pages of security standards: facts (scaffold; filled in by its owner)."""

urlpatterns: list = []
