"""The heavy worlds built once for a run of tests (tests/worlds.py) hold their promise:
each test that asks for one starts from it exactly as built, whatever the test before
it changed, and a test that does not ask for it never sees it."""

from __future__ import annotations

import pytest

from accounts.models import BuyerOrganization
from tests import worlds
from tests.conftest import make_buyer_org

NAME = "World Probe Health"


def _build() -> dict[str, int]:
    return {"probe_world": make_buyer_org("admin@world-probe.example", NAME).pk}


worlds.register(
    worlds.WorldSpec(
        name="probe", fixtures=("probe_world",), defined_in="tests/test_worlds.py", build=_build
    )
)


@pytest.fixture
def probe_world(request: pytest.FixtureRequest, worlds: worlds.Worlds, db: None) -> int:
    pk = worlds.current(request, "probe_world")
    return pk if pk is not None else _build()["probe_world"]


def test_a_test_changes_the_world(probe_world: int) -> None:
    BuyerOrganization.objects.filter(pk=probe_world).update(name="Changed by a test")
    make_buyer_org("admin@left-behind.example", "Left behind")


def test_the_next_one_finds_it_as_built(probe_world: int) -> None:
    assert BuyerOrganization.objects.get(pk=probe_world).name == NAME
    assert not BuyerOrganization.objects.filter(name="Left behind").exists()


def test_a_test_that_does_not_ask_for_it_never_sees_it(db: None) -> None:
    assert not BuyerOrganization.objects.filter(name=NAME).exists()


def test_and_after_it_the_world_is_back(probe_world: int) -> None:
    assert BuyerOrganization.objects.filter(name=NAME).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_test_that_commits_never_sees_it() -> None:
    assert not BuyerOrganization.objects.filter(name=NAME).exists()
