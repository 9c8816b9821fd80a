"""Pages of recurring duties: owner (see duties/urls.py)."""

urlpatterns: list = []
