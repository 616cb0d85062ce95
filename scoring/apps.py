from typing import Any

from django.apps import AppConfig
from django.urls import reverse

from rfp import parts


class ScoringConfig(AppConfig):
    name = "scoring"

    def ready(self) -> None:
        # The prices of a two-envelope RFP open only once the technical evaluation is
        # final: proposals (a lower layer) asks scoring's one rule through this hook.
        # Imported in ready(), here and below: they import the models, not loaded when
        # this module is.
        from proposals.services import technical_evaluation_check_register  # noqa: PLC0415
        from scoring.results import technical_evaluation_blockers  # noqa: PLC0415

        technical_evaluation_check_register(technical_evaluation_blockers)

        # The evaluation criteria are a part of the RFP, edited while it is drafted:
        # rfp (a lower layer) shows the step, checks it before approval, copies it with
        # templates and shows it to vendors through this registration (see rfp.parts).
        from scoring import selectors as scoring_selectors  # noqa: PLC0415
        from scoring import services as scoring_services  # noqa: PLC0415

        def criteria_url(rfp: Any) -> str:
            """The criteria page, or the set-up page while there is no evaluation."""
            set_up = scoring_selectors.rfp_evaluation(rfp) is not None
            return reverse("scoring_criteria" if set_up else "scoring_overview", args=[rfp.pk])

        parts.register(
            parts.EditorPart(
                key="evaluation",
                label="Evaluation criteria",
                url=criteria_url,
                problems=scoring_selectors.criteria_part_problems,
                started=scoring_selectors.criteria_part_started,
                copy=lambda source, target: scoring_services.evaluation_copy(
                    source=source, target=target
                ),
                published=scoring_selectors.criteria_for_vendors,
                on_publish=lambda rfp, actor: scoring_services.evaluation_record_lock(
                    rfp=rfp, actor=actor
                ),
                after="slas",
            )
        )
