"""The integration door for accounts: tokens, the error shape, members, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from accounts.services import api_token_create
from bpo_portal.throttling import UserWindowRateThrottle
from tests.conftest import add_member, api_as, token_client

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"message", "extra"}
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["extra"]["fields"], dict)
    return body


def test_anonymous_gets_401_in_the_error_shape(api_client):
    body = assert_error_shape(api_client.get("/api/v1/me/"), 401)
    assert "credentials" in body["message"].lower()


def test_token_create_use_and_revoke(buyer_admin):
    session = api_as(buyer_admin)
    created = session.post("/api/v1/tokens/", {"name": "Power BI"}, format="json")
    assert created.status_code == 201
    key = created.json()["key"]
    token_id = created.json()["id"]

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["user"]["email"] == buyer_admin.email
    assert me.json()["kind"] == "buyer" and me.json()["role"] == "admin"
    # Bearer works too
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert bearer.get("/api/v1/me/").status_code == 200

    # The list never shows the key again
    listed = session.get("/api/v1/tokens/").json()["results"]
    assert listed[0]["name"] == "Power BI" and "key" not in listed[0]

    assert session.delete(f"/api/v1/tokens/{token_id}/").status_code == 204
    body = assert_error_shape(client.get("/api/v1/me/"), 401)
    assert body["message"] == "Invalid or revoked API token."


def test_unknown_and_malformed_tokens(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token nope")
    assert_error_shape(api_client.get("/api/v1/me/"), 401)
    api_client.credentials(HTTP_AUTHORIZATION="Token a b")
    body = assert_error_shape(api_client.get("/api/v1/me/"), 401)
    assert "Malformed" in body["message"]


def test_cannot_revoke_someone_elses_token(buyer_admin, evaluator):
    token, _ = api_token_create(user=evaluator, name="mine")
    assert_error_shape(api_as(buyer_admin).delete(f"/api/v1/tokens/{token.pk}/"), 404)


def test_validation_error_shape(buyer_admin):
    body = assert_error_shape(api_as(buyer_admin).post("/api/v1/tokens/", {}, format="json"), 400)
    assert body["extra"]["fields"]["name"] == ["This field is required."]
    assert body["message"].startswith("name:")


def test_malformed_json_gets_a_clear_400(buyer_admin):
    response = api_as(buyer_admin).generic(
        "POST", "/api/v1/tokens/", '{"name": "x",', content_type="application/json"
    )
    body = assert_error_shape(response, 400)
    assert "could not be read" in body["message"]


def test_unknown_url_and_method(buyer_admin):
    assert_error_shape(api_as(buyer_admin).get("/api/v1/nothing-here/"), 404)
    assert_error_shape(api_as(buyer_admin).put("/api/v1/me/", {}), 405)


def test_service_errors_become_409_and_403(buyer_admin, evaluator):
    admin_api = api_as(buyer_admin)
    own = buyer_admin.buyer_membership.pk
    body = assert_error_shape(
        admin_api.patch(f"/api/v1/organization/members/{own}/", {"role": "viewer"}, format="json"),
        409,
    )
    assert "at least one admin" in body["message"]
    body = assert_error_shape(
        api_as(evaluator).patch(
            f"/api/v1/organization/members/{own}/", {"role": "viewer"}, format="json"
        ),
        403,
    )
    assert "Only an admin" in body["message"]


def test_members_are_invisible_to_other_orgs_and_vendors(
    buyer_admin, evaluator, other_buyer, vendor_a
):
    mine = evaluator.buyer_membership.pk
    assert_error_shape(api_as(other_buyer).get(f"/api/v1/organization/members/{mine}/"), 404)
    assert_error_shape(api_as(vendor_a).get("/api/v1/organization/members/"), 403)
    emails = {
        m["user"]["email"]
        for m in api_as(other_buyer).get("/api/v1/organization/members/").json()["results"]
    }
    assert emails == {other_buyer.email}


def test_invitations_api(buyer_admin, evaluator):
    created = api_as(buyer_admin).post(
        "/api/v1/organization/invitations/",
        {"email": "new@example.com", "role": "viewer"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["status"] == "pending"
    assert_error_shape(
        api_as(buyer_admin).post(
            "/api/v1/organization/invitations/",
            {"email": "not-an-email", "role": "viewer"},
            format="json",
        ),
        400,
    )
    assert_error_shape(api_as(evaluator).get("/api/v1/organization/invitations/"), 403)
    invitation_id = created.json()["id"]
    assert (
        api_as(buyer_admin).delete(f"/api/v1/organization/invitations/{invitation_id}/").status_code
        == 204
    )
    assert api_as(buyer_admin).get("/api/v1/organization/invitations/").json()["count"] == 0


@pytest.fixture
def three_a_minute():
    original = UserWindowRateThrottle.THROTTLE_RATES
    UserWindowRateThrottle.THROTTLE_RATES = {
        **api_settings.DEFAULT_THROTTLE_RATES,
        "user": "3/minute",
    }
    yield
    UserWindowRateThrottle.THROTTLE_RATES = original


def test_throttling_answers_429_in_the_error_shape(buyer_admin, three_a_minute):
    start = dt.datetime(2026, 12, 4, 9, 0, 10, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        client = api_as(buyer_admin)
        for sent in range(1, 4):
            answered = client.get("/api/v1/me/")
            assert answered.status_code == 200
            # Where the caller stands, on every counted response (IETF RateLimit headers).
            assert answered["RateLimit-Limit"] == "3"
            assert answered["RateLimit-Remaining"] == str(3 - sent)
            assert answered["RateLimit-Reset"] == "50"
        refused = client.get("/api/v1/me/")
        assert refused["RateLimit-Remaining"] == "0"
        body = assert_error_shape(refused, 429)
        assert "Too many requests" in body["message"]
        # The window ends at 9:01:00; the client is told so.
        assert body["extra"]["retry_after"] == 50
        assert refused["Retry-After"] == "50"
        clock.shift(dt.timedelta(seconds=50))
        assert client.get("/api/v1/me/").status_code == 200


def test_each_user_has_their_own_allowance(buyer_admin, procurement_manager, three_a_minute):
    with time_machine.travel(dt.datetime(2026, 12, 4, 9, 0, 10, tzinfo=dt.UTC), tick=False):
        for _ in range(4):
            api_as(buyer_admin).get("/api/v1/me/")
        assert api_as(buyer_admin).get("/api/v1/me/").status_code == 429
        assert api_as(procurement_manager).get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize("endpoint", ["/api/v1/organization/members/", "/api/v1/tokens/"])
def test_list_query_count_does_not_grow(
    endpoint, buyer_admin, buyer_org, django_assert_num_queries
):
    client = token_client(buyer_admin)
    for i in range(2):
        add_member(buyer_org, f"m{i}@buyer.example", "viewer")
        api_token_create(user=buyer_admin, name=f"t{i}")
    # token + user + membership (1), count (1), page (1); "last used" is written at most
    # once a minute (test_services), not on every request
    with django_assert_num_queries(3):
        assert client.get(endpoint).status_code == 200
    for i in range(2, 50):
        add_member(buyer_org, f"m{i}@buyer.example", "viewer")
        api_token_create(user=buyer_admin, name=f"t{i}")
    with django_assert_num_queries(3):
        response = client.get(endpoint + "?page_size=100")
        assert response.status_code == 200
        assert len(response.json()["results"]) >= 50
