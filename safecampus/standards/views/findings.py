"""Pages of security standards: findings (scaffold; filled in by its owner)."""

urlpatterns: list = []
