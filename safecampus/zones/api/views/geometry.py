"""The API of the student safety zone: geometry."""

urlpatterns: list = []
