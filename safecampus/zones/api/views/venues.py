"""The API of the student safety zone: venues."""

urlpatterns: list = []
