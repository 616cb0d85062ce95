from django.apps import AppConfig


class RfpConfig(AppConfig):
    name = "rfp"
