"""Self-inspection forms over HTTP: fill, save, submit, evidence, Excel (see ``forms``)."""

urlpatterns: list = []
