"""The API of the student safety zone: cases."""

urlpatterns: list = []
