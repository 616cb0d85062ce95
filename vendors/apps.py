from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_save


class VendorsConfig(AppConfig):
    name = "vendors"

    def ready(self) -> None:
        # Imported here, not at the top: the models are not loaded yet when Django
        # imports this AppConfig.
        from accounts.models import BuyerOrganization  # noqa: PLC0415
        from vendors.services import buyer_locations_refresh_if_moved  # noqa: PLC0415

        def store_locations(sender: Any, *, instance: Any, raw: bool, **kwargs: Any) -> None:
            """The directory's stored location models follow the buyer's home country
            (accounts, the layer below, knows nothing of them)."""
            if not raw:
                buyer_locations_refresh_if_moved(organization=instance)

        # weak=False: the receiver is a local function, kept alive by the signal.
        post_save.connect(
            store_locations,
            sender=BuyerOrganization,
            weak=False,
            dispatch_uid="vendors.store_locations",
        )
