"""The pages of recurring duties: what a body owes and records (``views.owner``), oversight and
compliance (``views.oversight``), the catalog and the calendar (``views.catalog``), the annual
work plan (``views.plan``)."""

from .views import catalog, oversight, owner, plan

app_name = "duties"

urlpatterns = [
    *owner.urlpatterns,
    *oversight.urlpatterns,
    *catalog.urlpatterns,
    *plan.urlpatterns,
]
