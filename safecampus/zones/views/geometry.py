"""Pages of the student safety zone: geometry."""

urlpatterns: list = []
