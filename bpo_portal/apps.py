from django.apps import AppConfig


class BpoPortalConfig(AppConfig):
    name = "bpo_portal"
    verbose_name = "BPO Portal"

    def ready(self) -> None:
        # Registers the OpenAPI description of our token authentication. In ready(): it
        # imports DRF and accounts' authentication class, which need the models loaded.
        from bpo_portal import api  # noqa: PLC0415, F401
