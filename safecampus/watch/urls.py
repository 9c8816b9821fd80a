"""The pages of the duty watch (值班值守): periods and the rosters of a period
(``views.periods``), one roster with its shifts, import and export (``views.rosters``), and on
duty: 我的值班, a shift's log, the missed shifts (``views.duty``)."""

from .views import duty, periods, rosters

app_name = "watch"

urlpatterns = [*periods.urlpatterns, *rosters.urlpatterns, *duty.urlpatterns]
