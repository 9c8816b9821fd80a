"""The pages of security standards: a school's facts and card (``views.facts``), rule sets and the
policy (``views.rulesets``), findings (``views.findings``), compliance (``views.compliance``)."""

from .views import compliance, facts, findings, rulesets

app_name = "standards"

urlpatterns = [
    *facts.urlpatterns,
    *rulesets.urlpatterns,
    *findings.urlpatterns,
    *compliance.urlpatterns,
]
