"""Pages of recurring duties: plan (see duties/urls.py)."""

urlpatterns: list = []
