from django.apps import AppConfig


class BpoPortalConfig(AppConfig):
    name = "bpo_portal"
    verbose_name = "BPO Portal"

    def ready(self) -> None:
        # Registers the OpenAPI description of our token authentication. In ready(): it
        # imports DRF and accounts' authentication class, which need the models loaded.
        from django.db import models  # noqa: PLC0415
        from rest_framework import serializers  # noqa: PLC0415

        from bpo_portal import api, api_fields  # noqa: PLC0415, F401

        # A ModelSerializer's date-times take a time zone or are refused (AwareDateTimeField).
        serializers.ModelSerializer.serializer_field_mapping[models.DateTimeField] = (
            api_fields.AwareDateTimeField
        )
