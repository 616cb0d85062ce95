"""Role fixtures shared by every test: each buyer role, another buyer
organization, two vendors, and an anonymous visitor. Built through the real
services, as users would build them."""

from __future__ import annotations

import gc
import os
import uuid
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections
from django.utils import timezone
from hypothesis import settings as hypothesis_settings
from pytest_django.plugin import blocking_manager_key
from rest_framework.test import APIClient

from accounts.models import ApiToken, BuyerOrganization, BuyerRole, User
from accounts.services import (
    api_token_create,
    buyer_organization_create,
    invitation_accept_new_user,
    invitation_create,
    user_create,
)
from tests import template_db
from tests import worlds as worlds_module
from tests.worlds import Worlds
from vendors.models import VendorCompany
from vendors.services import vendor_company_create

PASSWORD = "correct-horse-battery-9"

# Property tests: the profile decides how many examples, not each test.
# HYPOTHESIS_PROFILE=fast for `make test-fast`, ci for `.ci/run`; dev by default.
hypothesis_settings.register_profile("fast", max_examples=20, deadline=None)
hypothesis_settings.register_profile("dev", max_examples=100, deadline=None)
hypothesis_settings.register_profile("ci", max_examples=250, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Once everything is imported: move what exists now (Django, the apps, the test
    modules: hundreds of thousands of objects that live as long as the process) out of
    the garbage collector's sight, and collect less often. A full collection otherwise
    walks all of them again and again; the quick loop ran about 10 % faster (184 s ->
    167 s, README). Cyclic garbage is still collected, in bigger batches."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every transactional test starts from the migrated database, as it does when run
    alone: without serialized rollback it would see whatever the transactional tests
    before it left, which is an empty database without the rows the data migrations
    made (languages, certification types, starter templates...)."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker is not None else {}
        transactional = kwargs.get("transaction") or {"transactional_db", "live_server"} & set(
            getattr(item, "fixturenames", ())
        )
        if not transactional or "serialized_rollback" in kwargs or (marker and marker.args):
            continue
        kwargs.update(transaction=True, serialized_rollback=True)
        item.add_marker(pytest.mark.django_db(**kwargs), append=False)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Each test process starts from a copy of the pre-built migrated template."""
    template_db.copy_into_test_database()


@pytest.fixture(scope="session")
def django_db_keepdb() -> bool:
    """The test database was just copied from the template: Django keeps it as it is
    (its migrate finds nothing to do) instead of creating and migrating another."""
    return True


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any) -> Any:
    """Make the migrated database's rows, which Django serializes when it makes the test
    database, visible to every connection object of the session.

    Django keeps them on the connection object, and connection objects are per context
    (asgiref Local). Playwright's sync API runs a browser test in another context, whose
    connection object would not have them: serialized rollback would then silently
    reload nothing, and the test would find no languages, no certification types...
    Kept on the connection's class instead (one database, one class)."""
    for alias in connections:
        contents = getattr(connections[alias], "_test_serialized_contents", None)
        if contents is not None:
            type(connections[alias])._test_serialized_contents = contents
    yield
    connections.close_all()
    template_db.remove_sqlite_copy()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Empty the test database before a test with `serialized_rollback=True`.

    Such a test reloads the rows the migrations made (content types, permissions,
    data migrations) and Django expects an empty database then. It is not when the
    transactional test before it did not use serialized rollback: that test's flush
    ran post_migrate again, which recreated content types and permissions under new
    ids, and reloading them fails on a unique constraint. (Runs after skip marks are
    evaluated and before any fixture; pytest-django runs transactional tests last, so
    no test that expects the migrated data comes after.)
    """
    world = item.config.stash.get(worlds_module.STASH_KEY, None)
    if world is not None:  # a world the test does not want must not live through its flush
        world.leave_unless_wanted(item, item.config.stash[blocking_manager_key])
    marker = item.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("serialized_rollback"):
        return
    for alias in connections:
        if hasattr(connections[alias], "_test_serialized_contents"):
            with item.config.stash[blocking_manager_key].unblock():
                call_command(
                    "flush",
                    verbosity=0,
                    interactive=False,
                    database=alias,
                    reset_sequences=False,  # the reloaded rows keep their ids
                    inhibit_post_migrate=True,
                )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """After a transactional test, put the migrated rows back.

    Django empties the database after such a test (flush) and reloads the rows the
    migrations made only when the next transactional test starts. pytest-django runs
    transactional tests last for that reason, but with `--dist worksteal` an idle
    process may take them from the end of the other's queue and go on with ordinary
    tests, which would find no languages, no starter templates. Reloaded here, every
    test finds the migrated database, in any order."""
    yield
    # The last test's teardown also tears the test database down: nothing to reload.
    if nextitem is None or not worlds_module.is_transactional(item):
        return
    with item.config.stash[blocking_manager_key].unblock():
        for alias in connections:
            contents = getattr(connections[alias], "_test_serialized_contents", None)
            if contents:
                connections[alias].creation.deserialize_db_from_string(contents)


@pytest.fixture(scope="session")
def worlds(request: pytest.FixtureRequest, django_db_setup: Any, django_db_blocker: Any) -> Any:
    """The heavy world alive in this test process, if any (tests/worlds.py)."""
    state = request.config.stash[worlds_module.STASH_KEY] = Worlds()
    yield state
    state.leave(django_db_blocker)
    del request.config.stash[worlds_module.STASH_KEY]


@pytest.fixture(autouse=True)
def _world(
    request: pytest.FixtureRequest, worlds: Worlds, django_db_blocker: Any, module_media_root: Any
) -> None:
    """Keep, build or drop the module's world before the test's transaction opens."""
    worlds.enter(request.node, django_db_blocker, module_media_root)


@pytest.fixture(autouse=True)
def _django_db_marker(_world: None, _django_db_marker: None) -> None:
    """pytest-django's own (it opens the test's transaction for `django_db` marks),
    after the world is in place: the world's transaction must be the outer one."""


@pytest.fixture(autouse=True)
def _clear_cache() -> Any:
    """Throttling and rate limits live in the cache: start every test clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def module_media_root(tmp_path_factory: Any) -> Any:
    """Uploads land here: one folder a module, shared with the module's world
    (tests/worlds.py), whose files its tests download."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _media_root(settings: Any, module_media_root: Any) -> None:
    settings.MEDIA_ROOT = module_media_root


def existing_user(email: str) -> User | None:
    """The role fixtures' people are found, not made twice, when a module's world
    (tests/worlds.py) already made them."""
    return User.objects.filter(email=email).first()


def organization_of(admin_email: str) -> BuyerOrganization | None:
    return BuyerOrganization.objects.filter(memberships__user__email=admin_email).first()


def make_user(email: str, full_name: str = "") -> User:
    return user_create(email=email, password=PASSWORD, full_name=full_name, email_verified=True)


def make_buyer_org(admin_email: str, name: str, country: str = "US") -> BuyerOrganization:
    admin = make_user(admin_email, "Admin " + name)
    return buyer_organization_create(
        user=admin,
        name=name,
        home_country=country,
        default_currency="USD",
        time_zone="America/New_York",
    )


def add_member(organization: BuyerOrganization, email: str, role: str) -> User:
    admin = organization.memberships.get(role=BuyerRole.ADMIN).user
    invitation = invitation_create(actor=admin, email=email, role=role, organization=organization)
    return invitation_accept_new_user(
        token=invitation.plain_token,  # type: ignore[attr-defined]
        full_name=email.split("@")[0].title(),
        password=PASSWORD,
    )


def make_vendor(email: str, legal_name: str, country: str) -> User:
    user = make_user(email, legal_name + " owner")
    vendor_company_create(user=user, legal_name=legal_name, headquarters_country=country)
    return user


# The people of the role fixtures. A world built once for many tests (tests/worlds.py)
# makes them with `person` too, and the fixtures then find them instead of making them
# twice.
ORGANIZATIONS = {  # admin's address: name, country
    "admin@buyer.example": ("Northwind Health", "US"),
    "admin@other.example": ("Lumière Retail", "FR"),
}
MEMBERS = {  # role: address, role in Northwind Health
    "procurement_manager": ("pm@buyer.example", BuyerRole.PROCUREMENT_MANAGER),
    "evaluator": ("evaluator@buyer.example", BuyerRole.EVALUATOR),
    "evaluator2": ("evaluator2@buyer.example", BuyerRole.EVALUATOR),
    "viewer": ("viewer@buyer.example", BuyerRole.VIEWER),
}
VENDORS = {  # role: address, legal name, country
    "vendor_a": ("owner@vendor-a.example", "Manila Contact Co", "PH"),
    "vendor_b": ("owner@vendor-b.example", "Bangalore Process Ltd", "IN"),
}
ADMINS = {"admin": "admin@buyer.example", "other_buyer": "admin@other.example"}


def organization_for(admin_email: str) -> BuyerOrganization:
    name, country = ORGANIZATIONS[admin_email]
    return organization_of(admin_email) or make_buyer_org(admin_email, name, country=country)


def person(role: str) -> User:
    """The role fixture `role`'s person: found if a world made them, else made."""
    if role in ADMINS:
        organization_for(ADMINS[role])
        return User.objects.get(email=ADMINS[role])
    if role in MEMBERS:
        email, kind = MEMBERS[role]
        northwind = organization_for("admin@buyer.example")
        return existing_user(email) or add_member(northwind, email, kind)
    email, legal_name, country = VENDORS[role]
    return existing_user(email) or make_vendor(email, legal_name, country)


@pytest.fixture
def buyer_org(db: Any) -> BuyerOrganization:
    return organization_for("admin@buyer.example")


@pytest.fixture
def buyer_admin(buyer_org: BuyerOrganization) -> User:
    return person("admin")


@pytest.fixture
def procurement_manager(buyer_org: BuyerOrganization) -> User:
    return person("procurement_manager")


@pytest.fixture
def evaluator(buyer_org: BuyerOrganization) -> User:
    return person("evaluator")


@pytest.fixture
def viewer(buyer_org: BuyerOrganization) -> User:
    return person("viewer")


@pytest.fixture
def other_org(db: Any) -> BuyerOrganization:
    return organization_for("admin@other.example")


@pytest.fixture
def other_buyer(other_org: BuyerOrganization) -> User:
    """A member of another buyer organization: must see nothing of buyer_org's."""
    return person("other_buyer")


@pytest.fixture
def vendor_a(db: Any) -> User:
    return person("vendor_a")


@pytest.fixture
def vendor_b(db: Any) -> User:
    return person("vendor_b")


@pytest.fixture
def vendor_a_company(vendor_a: User) -> VendorCompany:
    return vendor_a.vendor_membership.company


@pytest.fixture
def unattached_user(db: Any) -> User:
    """Signed up, verified, but in no organization yet."""
    return existing_user("newcomer@example.com") or make_user("newcomer@example.com", "New Comer")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def api_as(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def token_client(user: User) -> APIClient:
    """A client that authenticates like an integration: a personal API token."""
    token, key = api_token_create(
        user=user, name=f"test-{APIClient.__name__}-{user.pk}-{uuid.uuid4().hex[:12]}"
    )
    # In use already, as an integration's token is: "last used" is written at most once
    # a minute, so a request's queries are counted without that write.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def all_roles(
    buyer_admin: User,
    procurement_manager: User,
    evaluator: User,
    viewer: User,
    other_buyer: User,
    vendor_a: User,
    vendor_b: User,
) -> dict[str, User | None]:
    return {
        "admin": buyer_admin,
        "procurement_manager": procurement_manager,
        "evaluator": evaluator,
        "viewer": viewer,
        "other_buyer": other_buyer,
        "vendor_a": vendor_a,
        "vendor_b": vendor_b,
        "anonymous": None,
    }
