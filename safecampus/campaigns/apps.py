from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "safecampus.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns"
