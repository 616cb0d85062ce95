"""`evaluation_results`: an RFP's results, computed once per state of their inputs,
stored, and served from the database to the page, the API and the reports.

A stored result is served only under the key it was computed for, the sha256 of:
- the inputs' generation (`scoring.models.ResultsInputs`): a count database triggers
  keep of every write to a table the results read (`scoring.results.inputs`: scores,
  consensus, the criteria tree, weights and AHP matrices, the method and aggregation,
  compliance and its overrides, submissions and withdrawals, the submitted versions
  with their exchange rates, the envelopes opened, the buyer's location overrides...);
- which envelopes are open (the seal lifts at the deadline without any write);
- the lot asked for, and the code (a digest of the source of the apps that compute
  results: a deploy that changes a formula recomputes).
The generation is read before the inputs, so a result is never older than its key.
A stale, missing or tampered result (each is signed with the secret key) is computed
afresh, stored and returned: never served wrong. Computed while the commercial envelope
is closed, a result holds no price: the computation sets cost aside and the key changes
when the envelope opens. What-if weights and an explicit `now` are computed live.

A beat task (`refresh_stale`) recomputes, in the worker, the stored results whose
inputs changed since, so that the next reader finds them ready.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import pickle
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.crypto import salted_hmac

from bpo_portal.errors import NotFoundError
from proposals.selectors import Envelopes, ProposalsSealedError, envelope_state
from rfp.models import RFP, Lot
from scoring.models import ResultsInputs, StoredResults
from scoring.results.compute import computed_results
from scoring.results.shape import EvaluationResults, results_summary_dict
from scoring.selectors import require_results_reader

# The apps whose code the results run: any change to them makes stored results stale.
_CODE_APPS = ("scoring", "proposals", "rfp", "vendors", "accounts", "bpo_portal")
_FORMAT = "1"  # the stored bytes' layout (pickle of EvaluationResults; lean JSON)


def evaluation_results(
    *,
    rfp: RFP,
    lot: Lot | int | None = None,
    user: Any,
    weights: Mapping[Any, Any] | None = None,
    now: dt.datetime | None = None,
) -> EvaluationResults:
    """Everything about an RFP's evaluation (see `compute.computed_results`), served
    from the stored result while its inputs stand. For admins, procurement managers
    and viewers of the RFP's organization (PermissionDeniedError for evaluators,
    NotFoundError for anyone else); ProposalsSealedError before the proposals open.
    `weights` is a what-if, computed live and never stored."""
    require_results_reader(user, rfp)
    return evaluation_results_for_rules(rfp=rfp, lot=lot, weights=weights, now=now)


def evaluation_results_for_rules(
    *,
    rfp: RFP,
    lot: Lot | int | None = None,
    weights: Mapping[Any, Any] | None = None,
    now: dt.datetime | None = None,
) -> EvaluationResults:
    """evaluation_results without the reader check: for rules that ask on nobody's
    behalf (technical_evaluation_blockers) and for the worker."""
    if weights or now is not None:
        return computed_results(rfp=rfp, lot=lot, weights=weights, now=now)
    lot_id = lot.pk if isinstance(lot, Lot) else lot
    blob = _current(rfp, lot_id, "results")
    if blob is not None:
        results = _loads(blob)
        if results is not None:
            return results
    return _compute_and_store(rfp, lot_id)[0]


def evaluation_results_summary_json(*, rfp: RFP, lot: int | None, user: Any) -> bytes:
    """The results as JSON without the per-criterion drill-down (`results_summary_dict`),
    as stored: what the results API answers by default, without decoding anything."""
    require_results_reader(user, rfp)
    body: bytes | None = _current(rfp, lot, "summary_json")
    if body is not None:
        return body
    return _compute_and_store(rfp, lot)[1]


def refresh(*, rfp_id: int, lot_id: int = StoredResults.ALL_LOTS) -> str:
    """Recompute one stored result if its inputs changed (the worker's task: safe to
    run twice or after a crash, it computes only what is stale). A result that can no
    longer be computed (the proposals sealed again by a cancellation, the lot deleted)
    is deleted."""
    rfp = RFP.objects.filter(pk=rfp_id).first()
    if rfp is None:
        return "gone"
    lot = lot_id or None
    if _current(rfp, lot, "inputs_key") is not None:
        return "fresh"
    try:
        _compute_and_store(rfp, lot)
    except (ProposalsSealedError, NotFoundError):
        StoredResults.objects.filter(rfp_id=rfp_id, lot_id=lot_id).delete()
        return "deleted"
    return "computed"


def stale() -> list[tuple[int, int]]:
    """(rfp, lot) of the stored results whose inputs were written since they were
    computed."""
    return list(
        StoredResults.objects.annotate(current=_generation_of(OuterRef("rfp_id")))
        .exclude(generation=F("current"))
        .values_list("rfp_id", "lot_id")
    )


# --- The key ------------------------------------------------------------------------------------


@functools.cache
def code_version() -> str:
    """A digest of the source of the apps that compute results (read once a process)."""
    digest = hashlib.sha256(_FORMAT.encode())
    root = Path(settings.BASE_DIR)
    for app in _CODE_APPS:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def results_key(*, generation: int, envelopes: Envelopes, lot_id: int | None) -> str:
    parts = (
        f"generation={generation}",
        f"technical={envelopes.technical_open}",
        f"commercial={envelopes.commercial_open}",
        f"lot={lot_id or StoredResults.ALL_LOTS}",
        f"code={code_version()}",
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _generation_of(rfp_id: Any) -> Coalesce:
    return Coalesce(
        Subquery(ResultsInputs.objects.filter(rfp_id=rfp_id).values("generation")[:1]), 0
    )


def generation(rfp_id: int) -> int:
    """The inputs' generation of an RFP's results (0 before any write was counted)."""
    row = ResultsInputs.objects.filter(rfp_id=rfp_id).values_list("generation", flat=True)
    return row.first() or 0


def _current(rfp: RFP, lot_id: int | None, column: str) -> Any:
    """`column` of the stored result if it is current, else None: one query (the row
    and the current generation together)."""
    row = (
        StoredResults.objects.filter(rfp_id=rfp.pk, lot_id=lot_id or StoredResults.ALL_LOTS)
        .annotate(current=_generation_of(rfp.pk))
        .values_list("inputs_key", "current", column)
        .first()
    )
    if row is None:
        return None
    key, current, value = row
    envelopes = envelope_state(rfp)
    if key != results_key(generation=current, envelopes=envelopes, lot_id=lot_id):
        return None
    return bytes(value) if isinstance(value, memoryview) else value


# --- Computing and storing ----------------------------------------------------------------------


def _compute_and_store(rfp: RFP, lot_id: int | None) -> tuple[EvaluationResults, bytes]:
    # The generation and the envelopes first: the result is at least as new as its key.
    count = generation(rfp.pk)
    envelopes = envelope_state(rfp)
    started = time.perf_counter()
    results = computed_results(rfp=rfp, lot=lot_id)
    summary = json.dumps(
        results_summary_dict(results), ensure_ascii=False, allow_nan=False, separators=(",", ":")
    ).encode()
    row = StoredResults(
        rfp_id=rfp.pk,
        lot_id=lot_id or StoredResults.ALL_LOTS,
        inputs_key=results_key(generation=count, envelopes=envelopes, lot_id=lot_id),
        generation=count,
        technical_open=envelopes.technical_open,
        commercial_open=envelopes.commercial_open,
        computed_at=results.generated_at or timezone.now(),
        compute_ms=round((time.perf_counter() - started) * 1000),
        results=_dumps(results),
        summary_json=summary,
    )
    StoredResults.objects.bulk_create(
        [row],
        update_conflicts=True,
        unique_fields=["rfp", "lot_id"],
        update_fields=[
            "inputs_key",
            "generation",
            "technical_open",
            "commercial_open",
            "computed_at",
            "compute_ms",
            "results",
            "summary_json",
        ],
    )
    return results, summary


def _signature(payload: bytes) -> bytes:
    return salted_hmac("scoring.StoredResults", payload, algorithm="sha256").digest()


def _dumps(results: EvaluationResults) -> bytes:
    payload = pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)
    return _signature(payload) + payload


def _loads(blob: bytes) -> EvaluationResults | None:
    """The stored results, or None when the signature does not match (written by
    anything but this module, or under another secret key)."""
    signature, payload = blob[:32], blob[32:]
    if not hmac.compare_digest(signature, _signature(payload)):
        return None
    results = pickle.loads(payload)  # signed above with the secret key
    return results if isinstance(results, EvaluationResults) else None
