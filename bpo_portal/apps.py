from django.apps import AppConfig


class BpoPortalConfig(AppConfig):
    name = "bpo_portal"
    verbose_name = "BPO Portal"

    def ready(self) -> None:
        # Registers the OpenAPI description of our token authentication.
        from bpo_portal import api  # noqa: F401
