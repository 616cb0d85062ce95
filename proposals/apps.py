from django.apps import AppConfig

from rfp import hooks


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = "Proposals"

    def ready(self) -> None:
        # The RFP layer asks who has submitted and when the envelopes opened through
        # rfp.hooks, so that rfp never imports proposals (the layer above it). In
        # ready(): the selectors import the models, not loaded when this module is.
        from proposals.selectors import (  # noqa: PLC0415
            companies_with_submission_ids,
            envelope_timeline,
        )

        hooks.register_submitters(companies_with_submission_ids)
        hooks.register_timeline(envelope_timeline)
