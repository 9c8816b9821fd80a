"""Pages of the student safety zone: rules."""

urlpatterns: list = []
