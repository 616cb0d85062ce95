"""The integration door for scoring: parse, call one service (or the results
selector), render. Evaluations are addressed by their RFP's id:
`/api/v1/evaluations/{rfp}/`.

Who sees what is the pages' rule: the RFP must be one of the user's
organization (404 otherwise); results, consensus and the award are for
admins, procurement managers and viewers; evaluators see their own
assignments and scores, and other evaluators' scores only of the items they
have submitted themselves; nobody sees prices or cost scores before the
commercial envelope opens (the results selector sets cost aside).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from bpo_portal.api import ScopedViewSet
from bpo_portal.errors import ApplicationError, NotFoundError, PermissionDeniedError
from bpo_portal.permissions import Capability, IsBuyer, require_buyer
from bpo_portal.web import request_user
from proposals.models import Proposal
from rfp.models import Lot
from scoring import award as award_services
from scoring import results as scoring_results
from scoring import selectors, services
from scoring.api import serializers as s
from scoring.models import AwardDecision, Criterion, Evaluation, EvaluatorScore

RFP_ID = OpenApiParameter("rfp", OpenApiTypes.INT, OpenApiParameter.PATH, description="RFP id")
LOT = OpenApiParameter(
    "lot", OpenApiTypes.INT, OpenApiParameter.QUERY, description="Only this lot (id)"
)
EXPAND = OpenApiParameter(
    "expand",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=["leaves"],
    description="`leaves`: add each proposal's per-item drill-down (large: about 9 KB a "
    "proposal). Left out by default.",
)


def _summary(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "rfp": evaluation.rfp_id,
        "reference": evaluation.rfp.reference,
        "title": evaluation.rfp.title,
        "ranking_method": evaluation.ranking_method,
        "aggregation": evaluation.aggregation,
        "discussion_threshold": f"{evaluation.discussion_threshold:f}",
        "show_subcriteria_to_vendors": evaluation.show_subcriteria_to_vendors,
        "set_after_publication": evaluation.set_after_publication,
        "scoring_started_at": evaluation.scoring_started_at.isoformat()
        if evaluation.scoring_started_at
        else None,
        "updated_at": evaluation.updated_at.isoformat(),
    }


def _nodes(tree: list[selectors.TreeNode], evaluation: Evaluation) -> list[Any]:
    local, global_ = selectors.global_weights(tree)
    names = {n.criterion.pk: n.criterion.name for n in selectors.walk(tree)}
    ahp = {}
    for matrix in evaluation.weight_matrices.all():
        try:
            ahp[matrix.parent_id] = selectors.ahp_summary(matrix, names)
        except Exception:
            continue
    nodes = scoring_results.criterion_nodes(tree, local, global_, set(), {}, ahp)
    data = scoring_results.results_as_dict(list(nodes))
    top = ahp.get(None)
    return [data, scoring_results.results_as_dict(top) if top else None]


def _score_row(score: EvaluatorScore) -> dict[str, Any]:
    return {
        "id": score.pk,
        "evaluator": score.evaluator_id,
        "evaluator_name": str(score.evaluator),
        "criterion": score.criterion_id,
        "proposal": score.proposal_id,
        "lot": score.lot_id,
        "score": score.score,
        "comment": score.comment,
        "submitted_at": score.submitted_at.isoformat() if score.submitted_at else None,
    }


@extend_schema_view(
    list=extend_schema(
        summary="Evaluations you can see",
        description="Admins, procurement managers and viewers: every evaluation of their "
        "organization. Evaluators: those they are on the panel of.",
        responses=s.EvaluationSummarySchema(many=True),
    ),
)
class EvaluationViewSet(mixins.ListModelMixin, ScopedViewSet):
    model = Evaluation
    permission_classes = [IsBuyer]
    lookup_field = "rfp_id"
    lookup_url_kwarg = "rfp"
    lookup_value_regex = r"\d+"
    serializer_class = s.EvaluationSummarySchema

    def visible_queryset(self) -> QuerySet[Evaluation]:
        return selectors.evaluations_listed_for(self.request.user).order_by(
            "-rfp__created_at", "-pk"
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = [_summary(e) for e in (page if page is not None else queryset)]
        return self.get_paginated_response(rows) if page is not None else Response(rows)

    def _evaluation(self) -> Evaluation:
        evaluation = selectors.evaluation_for(self.request.user, int(self.kwargs["rfp"]))
        return evaluation

    def _reader(self, evaluation: Evaluation) -> None:
        selectors.require_results_reader(self.request.user, evaluation.rfp)

    # --- Set-up, criteria and weights ---------------------------------------------------------

    @extend_schema(
        summary="Set up the evaluation of an RFP (its template's criteria, else the standard ones)",
        request=s.SetupSerializer,
        responses={201: s.EvaluationDetailSchema},
    )
    def create(self, request: Request) -> Response:
        data = s.SetupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rfp = selectors.rfp_for_buyer(request.user, data.validated_data["rfp"])
        evaluation = services.evaluation_setup(
            actor=request_user(request),
            rfp=rfp,
            addendum_summary=data.validated_data["addendum_summary"],
        )
        return Response(self._detail(evaluation.rfp_id), status=status.HTTP_201_CREATED)

    def _detail(self, rfp_id: int) -> dict[str, Any]:
        evaluation = selectors.evaluation_for(self.request.user, rfp_id)
        tree = selectors.build_tree(selectors.criteria_of(evaluation))
        nodes, _ = _nodes(tree, evaluation)
        lock = selectors.criteria_lock(evaluation.rfp)
        return {
            **_summary(evaluation),
            "criteria_lock": lock.state,
            "criteria_lock_message": lock.message,
            "criteria": nodes,
            "problems": selectors.criteria_problems(evaluation, tree),
            "history": [
                {
                    "at": change.created_at.isoformat(),
                    "actor": str(change.actor) if change.actor else "",
                    "summary": change.summary,
                    "reason": change.reason,
                    "after_lock": change.after_lock,
                    "addendum": change.addendum.number if change.addendum else None,
                }
                for change in selectors.criteria_history(evaluation)[:100]
            ],
        }

    @extend_schema(
        summary="The criteria tree with its weights and AHP matrices, the method, the history",
        parameters=[RFP_ID],
        responses=s.EvaluationDetailSchema,
    )
    def retrieve(self, request: Request, rfp: int) -> Response:
        evaluation = self._evaluation()
        if not selectors.can_read_results(request.user, evaluation.rfp) and not (
            evaluation.assignments.filter(evaluator=request.user).exists()
        ):
            raise PermissionDeniedError("You are not on the evaluation panel of this RFP.")
        return Response(self._detail(evaluation.rfp_id))

    @extend_schema(
        summary="Change the ranking method, aggregation or discussion threshold",
        parameters=[RFP_ID],
        request=s.SettingsSerializer,
        responses=s.EvaluationDetailSchema,
    )
    def partial_update(self, request: Request, rfp: int) -> Response:
        evaluation = self._evaluation()
        data = s.SettingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.evaluation_settings_update(
            actor=request_user(request), evaluation=evaluation, **data.validated_data
        )
        return Response(self._detail(evaluation.rfp_id))

    @extend_schema(
        summary="Add a criterion (a draft; once published, by addendum until the deadline)",
        parameters=[RFP_ID],
        request=s.CriterionInputSerializer,
        responses={201: s.EvaluationDetailSchema},
    )
    @action(detail=True, methods=["post"], url_path="criteria")
    def criteria(self, request: Request, rfp: int) -> Response:
        evaluation = self._evaluation()
        data = s.CriterionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        parent_id = values.pop("parent", None)
        parent = (
            get_object_or_404(Criterion, pk=parent_id, evaluation=evaluation) if parent_id else None
        )
        services.criterion_create(
            actor=request_user(request), evaluation=evaluation, parent=parent, **values
        )
        return Response(self._detail(evaluation.rfp_id), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change (PATCH) or remove (DELETE) a criterion",
        parameters=[RFP_ID, OpenApiParameter("criterion", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=s.CriterionInputSerializer,
        responses=s.EvaluationDetailSchema,
    )
    @action(detail=True, methods=["patch", "delete"], url_path=r"criteria/(?P<criterion>\d+)")
    def criterion(self, request: Request, rfp: int, criterion: int) -> Response:
        evaluation = self._evaluation()
        item = get_object_or_404(Criterion, pk=criterion, evaluation=evaluation)
        if request.method == "DELETE":
            services.criterion_delete(
                actor=request_user(request),
                criterion=item,
                addendum_summary=str(request.data.get("addendum_summary") or "")
                if isinstance(request.data, dict)
                else "",
            )
            return Response(self._detail(evaluation.rfp_id))
        data = s.CriterionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("parent", None)
        services.criterion_update(actor=request_user(request), criterion=item, **values)
        return Response(self._detail(evaluation.rfp_id))

    def _parent(self, evaluation: Evaluation, parent_id: int | None) -> Criterion | None:
        if parent_id is None:
            return None
        return get_object_or_404(Criterion, pk=parent_id, evaluation=evaluation)

    @extend_schema(
        summary="Set one level's weights directly (percent, adding up to 100)",
        parameters=[RFP_ID],
        request=s.WeightsSerializer,
        responses=s.EvaluationDetailSchema,
    )
    @action(detail=True, methods=["put"])
    def weights(self, request: Request, rfp: int) -> Response:
        evaluation = self._evaluation()
        data = s.WeightsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.weights_set(
            actor=request_user(request),
            evaluation=evaluation,
            parent=self._parent(evaluation, data.validated_data["parent"]),
            weights=data.validated_data["weights"],
            addendum_summary=data.validated_data["addendum_summary"],
        )
        return Response(self._detail(evaluation.rfp_id))

    @extend_schema(
        summary="Derive one level's weights by AHP from a pairwise comparison matrix",
        description="The response's criteria carry each level's AHP summary: priorities, "
        "λmax, CI, CR, and when CR > 0.10 the most inconsistent judgement with a suggested value.",
        parameters=[RFP_ID],
        request=s.AHPSerializer,
        responses=s.EvaluationDetailSchema,
    )
    @action(detail=True, methods=["put"])
    def ahp(self, request: Request, rfp: int) -> Response:
        evaluation = self._evaluation()
        data = s.AHPSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.weights_set_by_ahp(
            actor=request_user(request),
            evaluation=evaluation,
            parent=self._parent(evaluation, data.validated_data["parent"]),
            criterion_ids=data.validated_data["criterion_ids"],
            matrix=data.validated_data["matrix"],
            addendum_summary=data.validated_data["addendum_summary"],
        )
        return Response(self._detail(evaluation.rfp_id))

    @extend_schema(
        summary="Start scoring: moves the RFP to evaluation (the criteria locked at publication)",
        parameters=[RFP_ID],
        request=None,
        responses=s.EvaluationDetailSchema,
    )
    @action(detail=True, methods=["post"])
    def start(self, request: Request, rfp: int) -> Response:
        evaluation = self._evaluation()
        services.evaluation_start_scoring(actor=request_user(request), evaluation=evaluation)
        return Response(self._detail(evaluation.rfp_id))

    # --- The panel ------------------------------------------------------------------------------

    @extend_schema(
        summary="The evaluator panel (GET), or set what one evaluator scores (PUT)",
        parameters=[RFP_ID],
        request=s.AssignmentInputSerializer,
        responses=s.AssignmentSchema(many=True),
    )
    @action(detail=True, methods=["get", "put"], pagination_class=None)
    def assignments(self, request: Request, rfp: int) -> Response:
        evaluation = self._evaluation()
        if request.method == "PUT":
            data = s.AssignmentInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            values = data.validated_data
            evaluator = User.objects.filter(pk=values["evaluator"]).first()
            if evaluator is None:
                raise NotFoundError("Evaluator not found.")
            lot = (
                get_object_or_404(Lot, pk=values["lot"], rfp_id=evaluation.rfp_id)
                if values["lot"]
                else None
            )
            services.assignments_set(
                actor=request_user(request),
                evaluation=evaluation,
                evaluator=evaluator,
                criteria=values["criteria"],
                lot=lot,
            )
        assignments = selectors.assignments_of(evaluation)
        if not selectors.can_manage(request.user, evaluation.rfp):
            assignments = [a for a in assignments if a.evaluator_id == request.user.pk]
            if not assignments and not selectors.can_read_results(request.user, evaluation.rfp):
                raise PermissionDeniedError("You are not on the evaluation panel of this RFP.")
        return Response(
            [
                {
                    "id": a.pk,
                    "evaluator": a.evaluator_id,
                    "evaluator_name": str(a.evaluator),
                    "criterion": a.criterion_id,
                    "lot": a.lot_id,
                }
                for a in assignments
            ]
        )

    @extend_schema(
        summary="Declare, per vendor, whether you have a conflict of interest (evaluators)",
        parameters=[RFP_ID],
        request=s.ConflictsSerializer,
        responses={204: None},
    )
    @action(detail=True, methods=["post"])
    def conflicts(self, request: Request, rfp: int) -> Response:
        evaluation = self._evaluation()
        data = s.ConflictsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.conflicts_declare(
            actor=request_user(request),
            evaluation=evaluation,
            declarations={
                item["company"]: services.Declaration(item["has_conflict"], item["details"])
                for item in data.validated_data["declarations"]
            },
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- Scores ---------------------------------------------------------------------------------

    @extend_schema(
        summary="Scores you may see (GET), or save your draft scores of one vendor (POST)",
        description="Evaluators: their own scores (drafts and submitted) and other evaluators' "
        "submitted scores of the items they have submitted. Admins, procurement managers and "
        "viewers: every submitted score (drafts stay private).",
        parameters=[RFP_ID],
        request=s.ScoresSerializer,
        responses=s.ScoreSchema(many=True),
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def scores(self, request: Request, rfp: int) -> Response:
        evaluation = self._evaluation()
        user = request_user(request)
        if request.method == "POST":
            data = s.ScoresSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            proposal = get_object_or_404(
                Proposal, pk=data.validated_data["proposal"], rfp_id=evaluation.rfp_id
            )
            saved = services.scores_save(
                actor=user,
                evaluation=evaluation,
                proposal=proposal,
                scores={
                    (item["criterion"], item["lot"]): services.ScoreInput(
                        item["score"], item["comment"]
                    )
                    for item in data.validated_data["scores"]
                },
            )
            return Response([_score_row(score) for score in saved])
        visible = selectors.scores_visible_to(user, evaluation)
        return Response([_score_row(score) for score in visible])

    @extend_schema(
        summary="Submit all your draft scores (evaluators): they become final",
        parameters=[RFP_ID],
        request=None,
        responses=inline_serializer("ScoresSubmitted", {"submitted": serializers.IntegerField()}),
    )
    @action(detail=True, methods=["post"], url_path="scores/submit")
    def submit_scores(self, request: Request, rfp: int) -> Response:
        evaluation = self._evaluation()
        count = services.scores_submit(actor=request_user(request), evaluation=evaluation)
        return Response({"submitted": count})

    # --- Consensus ------------------------------------------------------------------------------

    @extend_schema(
        summary="Items scored by evaluators with their mean or median and spread (GET); set or "
        "clear (score null) a consensus score (POST)",
        parameters=[RFP_ID, LOT],
        request=s.ConsensusInputSerializer,
        responses=s.ConsensusLotSchema(many=True),
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def consensus(self, request: Request, rfp: int) -> Response:
        evaluation = self._evaluation()
        rfp_obj = evaluation.rfp
        if request.method == "POST":
            data = s.ConsensusInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            values = data.validated_data
            criterion = get_object_or_404(Criterion, pk=values["criterion"], evaluation=evaluation)
            proposal = get_object_or_404(
                Proposal.objects.select_related("company"), pk=values["proposal"], rfp=rfp_obj
            )
            lot = get_object_or_404(Lot, pk=values["lot"], rfp=rfp_obj)
            if values["score"] is None:
                services.consensus_clear(
                    actor=request_user(request),
                    evaluation=evaluation,
                    criterion=criterion,
                    proposal=proposal,
                    lot=lot,
                )
            else:
                services.consensus_set(
                    actor=request_user(request),
                    evaluation=evaluation,
                    criterion=criterion,
                    proposal=proposal,
                    lot=lot,
                    score=values["score"],
                    justification=values["justification"],
                )
        else:
            require_buyer(request.user, Capability.MANAGE_EVALUATION, rfp_obj.organization_id)
        results = scoring_results.evaluation_results(
            rfp=rfp_obj, user=request.user, lot=_lot_param(request)
        )
        return Response(
            [
                {
                    "lot_id": lot.lot_id,
                    "lot_name": lot.lot_name,
                    "items_total": lot.items_total,
                    "items_missing": lot.items_missing,
                    "flagged": scoring_results.results_as_dict(list(lot.flagged)),
                    "items": [
                        {
                            "criterion_id": leaf.criterion_id,
                            "criterion": leaf.path,
                            "proposal_id": proposal.proposal_id,
                            "vendor": proposal.vendor,
                            **scoring_results.results_as_dict(leaf.evaluators),
                        }
                        for proposal in lot.all_proposals
                        for leaf in proposal.leaves
                        if leaf.evaluators is not None
                    ],
                }
                for lot in results.lots
            ]
        )

    # --- Results --------------------------------------------------------------------------------

    @extend_schema(
        summary="Results: ranking per lot, sensitivity; the drill-down on request",
        description="The `EvaluationResults` of scoring.scoring_results.evaluation_results. Each "
        "proposal comes with its score per main criterion (`criteria`); the per-item drill-down "
        "(`leaves`: every evaluator's score, the formula, the automatic criteria's working) is "
        "left out unless `?expand=leaves`, or read for one proposal at "
        "`results/proposals/{proposal}/`. While the commercial envelope is closed, cost criteria "
        "are set aside (`cost_excluded`), `tco` is null and no price appears.",
        parameters=[RFP_ID, LOT, EXPAND],
        responses=s.EvaluationResultsSchema,
    )
    @action(detail=True, methods=["get"])
    def results(self, request: Request, rfp: int) -> Response:
        expand = _expand_param(request)
        evaluation = self._evaluation()
        if "leaves" not in expand:
            # Stored as JSON: served as it is when the client takes JSON.
            body = scoring_results.evaluation_results_summary_json(
                rfp=evaluation.rfp, user=request.user, lot=_lot_param(request)
            )
            if request.accepted_renderer.format == "json":
                return HttpResponse(body, content_type="application/json")
            return Response(json.loads(body))
        results = scoring_results.evaluation_results(
            rfp=evaluation.rfp, user=request.user, lot=_lot_param(request)
        )
        return Response(scoring_results.results_as_dict(results))

    @extend_schema(
        summary="Results of one proposal, with its whole drill-down",
        description="The proposal's row of the results (as in `results/?expand=leaves`) and the "
        "lot it is ranked in. 404 for a proposal that is not in this evaluation's results.",
        parameters=[
            RFP_ID,
            OpenApiParameter(
                "proposal", OpenApiTypes.INT, OpenApiParameter.PATH, description="Proposal id"
            ),
        ],
        responses=s.ProposalResultsSchema,
    )
    @action(detail=True, methods=["get"], url_path=r"results/proposals/(?P<proposal>[0-9]+)")
    def proposal_results(self, request: Request, rfp: int, proposal: str) -> Response:
        evaluation = self._evaluation()
        results = scoring_results.evaluation_results(rfp=evaluation.rfp, user=request.user)
        data = scoring_results.results_as_dict(results)
        for lot, row in _result_rows(data):
            if row["proposal_id"] == int(proposal):
                return Response(
                    {"lot_id": lot["lot_id"], "lot_name": lot["lot_name"], "proposal": row}
                )
        raise NotFoundError("This proposal is not in the results of this evaluation.")

    @extend_schema(
        summary="What if: the ranking with other weights (nothing is saved)",
        parameters=[RFP_ID],
        request=s.WhatIfSerializer,
        responses=s.EvaluationResultsSchema,
    )
    @action(detail=True, methods=["post"], url_path="what-if")
    def what_if(self, request: Request, rfp: int) -> Response:
        evaluation = self._evaluation()
        data = s.WhatIfSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        results = scoring_results.evaluation_results(
            rfp=evaluation.rfp,
            user=request.user,
            lot=data.validated_data["lot"],
            weights=data.validated_data["weights"],  # checked by what_if_weights
        )
        return Response(scoring_results.results_as_dict(results))

    @extend_schema(
        summary="Finalise the technical evaluation: opens the prices (two-envelope RFPs)",
        description="Refused with 409 until every technical item has a submitted or consensus "
        "score and every item flagged for discussion a consensus score: `extra.reasons` lists "
        "what is missing.",
        parameters=[RFP_ID],
        request=s.FinaliseSerializer,
        responses=inline_serializer(
            "TechnicalFinalised", {"commercial_opened_at": serializers.DateTimeField()}
        ),
    )
    @action(detail=True, methods=["post"], url_path="finalise-technical")
    def finalise_technical(self, request: Request, rfp: int) -> Response:
        evaluation = self._evaluation()
        data = s.FinaliseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        opening = services.technical_evaluation_finalise(
            actor=request_user(request),
            evaluation=evaluation,
            comment=data.validated_data["comment"],
        )
        return Response({"commercial_opened_at": opening.opened_at.isoformat()})

    # --- Award ----------------------------------------------------------------------------------

    @extend_schema(
        summary="Award decisions (GET); propose the award of a lot (POST)",
        parameters=[RFP_ID],
        request=s.AwardProposeSerializer,
        responses=s.AwardViewSchema(many=True),
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def awards(self, request: Request, rfp: int) -> Response:
        evaluation = self._evaluation()
        self._reader(evaluation)
        if request.method == "POST":
            data = s.AwardProposeSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            values = data.validated_data
            lot = get_object_or_404(Lot, pk=values["lot"], rfp_id=evaluation.rfp_id)
            award_services.award_propose(
                actor=request_user(request),
                evaluation=evaluation,
                lot=lot,
                winners=values["winners"],
                justification=values["justification"],
                notify_ranks=values["notify_ranks"],
            )
        return Response(self._awards(evaluation), status=status.HTTP_200_OK)

    def _awards(self, evaluation: Evaluation) -> list[Any]:
        return [
            scoring_results.results_as_dict(scoring_results.award_view(a))
            for a in selectors.award_decisions(evaluation)
        ]

    def _decision(self, evaluation: Evaluation, award_id: int) -> AwardDecision:
        return get_object_or_404(AwardDecision, pk=award_id, evaluation=evaluation)

    @extend_schema(
        summary="Approve a proposed award (admins; not the proposer)",
        parameters=[RFP_ID, OpenApiParameter("award", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=s.DecisionSerializer,
        responses=s.AwardViewSchema(many=True),
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"awards/(?P<award>\d+)/approve",
        pagination_class=None,
    )
    def approve_award(self, request: Request, rfp: int, award: int) -> Response:
        evaluation = self._evaluation()
        data = s.DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        award_services.award_approve(
            actor=request_user(request),
            award=self._decision(evaluation, award),
            comment=data.validated_data["comment"],
        )
        return Response(self._awards(evaluation))

    @extend_schema(
        summary="Send a proposed award back (admins; comment required)",
        parameters=[RFP_ID, OpenApiParameter("award", OpenApiTypes.INT, OpenApiParameter.PATH)],
        request=s.DecisionSerializer,
        responses=s.AwardViewSchema(many=True),
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"awards/(?P<award>\d+)/return",
        pagination_class=None,
    )
    def return_award(self, request: Request, rfp: int, award: int) -> Response:
        evaluation = self._evaluation()
        data = s.DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        award_services.award_return(
            actor=request_user(request),
            award=self._decision(evaluation, award),
            comment=data.validated_data["comment"],
        )
        return Response(self._awards(evaluation))


def _result_rows(data: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Each proposal's row of the results (as a dict), with its lot: ranked or not."""
    for lot in data["lots"]:
        for row in (*lot["ranking"], *lot["not_ranked"]):
            yield lot, row


def _expand_param(request: Request) -> set[str]:
    """What `?expand=` asks to add to the results (comma-separated); only `leaves` exists."""
    asked = {part.strip() for part in request.query_params.get("expand", "").split(",")} - {""}
    unknown = asked - {"leaves"}
    if unknown:
        raise ApplicationError.for_fields(
            {"expand": f"Unknown: {', '.join(sorted(unknown))}. It takes: leaves."}
        )
    return asked


def _lot_param(request: Request) -> int | None:
    raw = request.query_params.get("lot")
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise NotFoundError("Lot not found.") from None
