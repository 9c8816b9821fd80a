"""Department reviews and on-site inspections over HTTP (see ``reviews``)."""

urlpatterns: list = []
