from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = "Proposals"

    def ready(self) -> None:
        # The RFP layer asks who has submitted and when the envelopes opened through
        # rfp.hooks, so that rfp never imports proposals (the layer above it).
        from proposals.selectors import companies_with_submission_ids, envelope_timeline
        from rfp import hooks

        hooks.register_submitters(companies_with_submission_ids)
        hooks.register_timeline(envelope_timeline)
