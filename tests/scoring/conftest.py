"""Scoring fixtures, built through the real services: a draft whose criteria change
freely, a published RFP two vendors bid on (its criteria came with the starter
template and locked at publication), the deadline passing, the evaluation's panel,
scoring started."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from rfp.models import RFP
from scoring import services
from scoring.models import Evaluation
from tests import worlds
from tests.conftest import person
from tests.rfp.conftest import make_ready_rfp
from tests.scoring import factories as f

PRICES_LOW = {
    "setup": "30000",
    "training": "900",
    "per_fte": "2600",
    "per_contact": "0.40",
    "fixed_monthly": "6000",
}


@pytest.fixture
def evaluator2(buyer_org: Any) -> User:
    return person("evaluator2")


@pytest.fixture
def draft_rfp(procurement_manager: User, vendor_a: User, vendor_b: User) -> RFP:
    """A complete draft from the customer-support starter, vendors A and B invited: its
    evaluation criteria came with the starter."""
    companies = (vendor_a.vendor_membership.company, vendor_b.vendor_membership.company)
    return make_ready_rfp(procurement_manager, invite=companies)


@pytest.fixture
def draft_evaluation(draft_rfp: RFP) -> Evaluation:
    """The draft's evaluation: criteria and weights change freely until publication."""
    return f.fresh(Evaluation.objects.get(rfp=draft_rfp))


@pytest.fixture
def before_publication() -> Any:
    """What a test changes in the criteria while the RFP is a draft (they lock at
    publication): parametrize it, `@pytest.mark.parametrize("before_publication", [fn])`,
    with fn(pm, evaluation)."""
    return None


@pytest.fixture
def published_rfp(
    buyer_admin: User,
    procurement_manager: User,
    vendor_a: User,
    vendor_b: User,
    before_publication: Any,
) -> RFP:
    return f.make_rfp(
        procurement_manager,
        buyer_admin,
        [vendor_a, vendor_b],
        before_publication=before_publication,
    )


def _open(rfp: RFP, vendor_a: User, vendor_b: User) -> RFP:
    f.submit(vendor_a, rfp, f.Bid())
    f.submit(
        vendor_b,
        rfp,
        f.Bid(
            prices=PRICES_LOW,
            slas={"aht": "400"},
            centres=(f.Centre("IN", "Bangalore", "100", time_zone="Asia/Kolkata"),),
        ),
    )
    return f.pass_deadline(rfp)


def _build_opened() -> dict[str, int]:
    """The people of the role fixtures (same addresses) and the opened RFP."""
    admin, pm, vendor_a, vendor_b = map(
        person, ("admin", "procurement_manager", "vendor_a", "vendor_b")
    )
    return {"opened": _open(f.make_rfp(pm, admin, [vendor_a, vendor_b]), vendor_a, vendor_b).pk}


def _build_scored() -> dict[str, int]:
    """The opened RFP's evaluation, its panel scored everything and submitted."""
    world = _build_opened()
    pm, evaluator, evaluator2 = map(person, ("procurement_manager", "evaluator", "evaluator2"))
    evaluation = _set_up(RFP.objects.get(pk=world["opened"]), pm, evaluator, evaluator2)
    _score(_start(evaluation, pm), evaluator, evaluator2)
    return {**world, "evaluation": evaluation.pk, "started": evaluation.pk, "scored": evaluation.pk}


def _changes_criteria_before_publication(item: pytest.Item) -> bool:
    """Those tests get an RFP of their own."""
    callspec = getattr(item, "callspec", None)
    return callspec is not None and callspec.params.get("before_publication") is not None


# A test that uses `scored` gets the scored world, one that uses only `opened` (or
# `evaluation`, `started` on top of it) the opened one (registered second, so a test
# that uses both gets the scored one); modules that override one of these fixtures
# build their own. The reports' conftest imports these fixtures: the same worlds there.
for _place in ("scoring", "reports"):
    for _name, _fixtures, _build in (
        ("scored", ("scored", "started", "evaluation", "opened"), _build_scored),
        ("opened", ("opened",), _build_opened),
    ):
        worlds.register(
            worlds.WorldSpec(
                name=f"{_place}.{_name}",
                fixtures=_fixtures,
                defined_in=f"tests/{_place}",
                build=_build,
                excluded=_changes_criteria_before_publication,
            )
        )


@pytest.fixture
def opened(
    request: pytest.FixtureRequest,
    worlds: worlds.Worlds,
    before_publication: Any,  # parametrized by tests: then the RFP is their own
    vendor_a: User,
    vendor_b: User,
) -> RFP:
    """Vendor A (Manila, 24/7, dearer) and vendor B (Bangalore, office hours, cheaper,
    AHT 400 s instead of 360 s) submit; the deadline passes. Built once for a run of
    tests (tests/worlds.py), unless the test changes the criteria before publication."""
    pk = worlds.current(request, "opened")
    if pk is not None:
        return RFP.objects.get(pk=pk)
    return _open(request.getfixturevalue("published_rfp"), vendor_a, vendor_b)


def _set_up(rfp: RFP, pm: User, evaluator: User, evaluator2: User) -> Evaluation:
    evaluation = services.evaluation_setup(actor=pm, rfp=rfp)
    f.setup_panel(pm, evaluation, [evaluator, evaluator2])
    return f.fresh(evaluation)


def _start(evaluation: Evaluation, pm: User) -> Evaluation:
    return f.fresh(f.start(pm, evaluation))


def _score(started: Evaluation, evaluator: User, evaluator2: User) -> Evaluation:
    for member in (evaluator, evaluator2):
        f.declare_none(member, started)
        f.score_all(member, started)
    return f.fresh(started)


def _from_world(request: pytest.FixtureRequest, state: worlds.Worlds, name: str) -> Any:
    pk = state.current(request, name)
    return None if pk is None else f.fresh(Evaluation(pk=pk))


@pytest.fixture
def evaluation(
    request: pytest.FixtureRequest,
    worlds: worlds.Worlds,
    opened: RFP,
    procurement_manager: User,
    evaluator: User,
    evaluator2: User,
) -> Evaluation:
    found = _from_world(request, worlds, "evaluation")
    return found or _set_up(opened, procurement_manager, evaluator, evaluator2)


@pytest.fixture
def started(
    request: pytest.FixtureRequest,
    worlds: worlds.Worlds,
    evaluation: Evaluation,
    procurement_manager: User,
) -> Evaluation:
    return _from_world(request, worlds, "started") or _start(evaluation, procurement_manager)


@pytest.fixture
def scored(
    request: pytest.FixtureRequest,
    worlds: worlds.Worlds,
    started: Evaluation,
    evaluator: User,
    evaluator2: User,
) -> Evaluation:
    """Both evaluators declared no conflict, scored everything and submitted."""
    return _from_world(request, worlds, "scored") or _score(started, evaluator, evaluator2)
