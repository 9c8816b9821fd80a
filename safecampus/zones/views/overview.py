"""Pages of the student safety zone: overview."""

urlpatterns: list = []
