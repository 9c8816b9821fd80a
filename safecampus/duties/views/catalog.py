"""Pages of recurring duties: catalog (see duties/urls.py)."""

urlpatterns: list = []
