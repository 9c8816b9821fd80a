from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "safecampus.evaluation"
    label = "evaluation"
    verbose_name = "Summary evaluation and archive"
