"""Pages of recurring duties: oversight (see duties/urls.py)."""

urlpatterns: list = []
