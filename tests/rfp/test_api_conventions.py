"""The API's conventions for integrators (issue 20, parts 3 and 6): ETag, If-None-Match
and If-Match; Idempotency-Key on every POST; a repeated invitation answers with the
one already there; date-times without a time zone refused. The last tests run the
same against a live server: real HTTP, separate requests, concurrent retries."""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import uuid
from typing import Any

import pytest

from accounts.models import IdempotentRequest
from accounts.services import api_token_create
from rfp.models import RFP, Lot, RFPInvitation
from tests.conftest import api_as, make_vendor, token_client
from tests.rfp.conftest import company_of, make_ready_rfp, reload

pytestmark = pytest.mark.django_db


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"message", "extra"} and body["message"]
    return body


# --- ETag and If-None-Match ------------------------------------------------------------------


def test_a_detail_carries_an_etag_with_its_version_and_answers_304(procurement_manager, draft):
    api = api_as(procurement_manager)
    first = api.get(f"/api/v1/rfps/{draft.pk}/")
    etag = first["ETag"]
    assert etag.startswith(f'"{draft.version}-')
    assert "no-cache" in first["Cache-Control"] and "private" in first["Cache-Control"]
    same = api.get(f"/api/v1/rfps/{draft.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert same.status_code == 304 and same.content == b""
    api.patch(
        f"/api/v1/rfps/{draft.pk}/", {"version": draft.version, "title": "New"}, format="json"
    )
    changed = api.get(f"/api/v1/rfps/{draft.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed["ETag"].startswith(f'"{draft.version + 1}-')


def test_lists_carry_an_etag_too(procurement_manager, draft):
    api = api_as(procurement_manager)
    etag = api.get("/api/v1/rfps/")["ETag"]
    assert api.get("/api/v1/rfps/", HTTP_IF_NONE_MATCH=etag).status_code == 304


# --- If-Match as the version ----------------------------------------------------------------


def test_if_match_is_the_version_of_an_edit(procurement_manager, buyer_admin, draft):
    api = api_as(procurement_manager)
    etag = api.get(f"/api/v1/rfps/{draft.pk}/")["ETag"]
    saved = api.patch(
        f"/api/v1/rfps/{draft.pk}/", {"title": "Via If-Match"}, format="json", HTTP_IF_MATCH=etag
    )
    assert saved.status_code == 200, saved.content
    assert reload(draft).title == "Via If-Match"
    # The same ETag again is stale now: 409, nothing saved, and it was one's own change.
    stale = api.patch(
        f"/api/v1/rfps/{draft.pk}/", {"title": "Stale"}, format="json", HTTP_IF_MATCH=etag
    )
    body = error_of(stale, 409)
    assert body["message"].startswith("Your own earlier change to this RFP")
    assert body["extra"]["current_version"] == draft.version + 1
    assert reload(draft).title == "Via If-Match"
    # Someone else's save is named.
    fresh = api_as(buyer_admin).get(f"/api/v1/rfps/{draft.pk}/")["ETag"]
    api_as(buyer_admin).patch(
        f"/api/v1/rfps/{draft.pk}/", {"title": "Admin's"}, format="json", HTTP_IF_MATCH=fresh
    )
    body = error_of(
        api.patch(
            f"/api/v1/rfps/{draft.pk}/", {"title": "PM's"}, format="json", HTTP_IF_MATCH=fresh
        ),
        409,
    )
    assert body["message"].startswith(f"{buyer_admin} saved this RFP at ")


def test_if_match_and_the_body_must_agree_and_be_an_etag(procurement_manager, draft):
    api = api_as(procurement_manager)
    etag = api.get(f"/api/v1/rfps/{draft.pk}/")["ETag"]
    body = error_of(
        api.patch(
            f"/api/v1/rfps/{draft.pk}/",
            {"version": draft.version + 5, "title": "x"},
            format="json",
            HTTP_IF_MATCH=etag,
        ),
        400,
    )
    assert "If-Match header names version" in body["extra"]["fields"]["version"][0]
    body = error_of(
        api.patch(
            f"/api/v1/rfps/{draft.pk}/", {"title": "x"}, format="json", HTTP_IF_MATCH="banana"
        ),
        400,
    )
    assert "ETag" in body["extra"]["fields"]["If-Match"][0]
    assert reload(draft).title != "x"


def test_if_match_deletes_a_part_without_a_version_parameter(procurement_manager, draft):
    api = api_as(procurement_manager)
    lot = Lot.objects.filter(rfp=draft).first()
    etag = api.get(f"/api/v1/rfps/{draft.pk}/")["ETag"]
    # A second lot, so that the RFP keeps one.
    created = api.post(
        f"/api/v1/rfps/{draft.pk}/lots/",
        {"name": "Chat", "seats": "12", "contract_term_months": 24},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert created.status_code == 201, created.content
    etag = api.get(f"/api/v1/rfps/{draft.pk}/")["ETag"]
    gone = api.delete(f"/api/v1/rfps/{draft.pk}/lots/{lot.pk}/", HTTP_IF_MATCH=etag)
    assert gone.status_code == 200, gone.content
    assert gone.json()["rfp_version"] == draft.version + 2
    assert not Lot.objects.filter(pk=lot.pk).exists()


def test_if_match_is_refused_where_parts_have_their_own_versions(vendor_a, published):
    api = api_as(vendor_a)
    started = api.post("/api/v1/proposals/", {"rfp": published.pk}, format="json")
    assert started.status_code == 201, started.content
    proposal = started.json()["id"]
    body = error_of(
        api.patch(
            f"/api/v1/proposals/{proposal}/",
            {"currency": "USD"},
            format="json",
            HTTP_IF_MATCH='"1-abc123"',
        ),
        400,
    )
    assert "Not accepted here" in body["extra"]["fields"]["If-Match"][0]


# --- Idempotency-Key ----------------------------------------------------------------------------


def test_the_same_key_and_request_create_one_rfp(procurement_manager):
    api = token_client(procurement_manager)
    payload = {"title": "Payroll outsourcing 2027"}
    first = api.post("/api/v1/rfps/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    again = api.post("/api/v1/rfps/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert RFP.objects.filter(title="Payroll outsourcing 2027").count() == 1
    other = api.post(
        "/api/v1/rfps/", {"title": "Something else"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    body = error_of(other, 409)
    assert "already used for a different request" in body["message"]
    assert not RFP.objects.filter(title="Something else").exists()
    # A new key is a new request.
    assert (
        api.post("/api/v1/rfps/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-2").status_code
        == 201
    )
    assert RFP.objects.filter(title="Payroll outsourcing 2027").count() == 2


def test_keys_are_per_caller_and_errors_are_kept_too(procurement_manager, buyer_admin):
    payload = {"title": "Per caller"}
    pm = token_client(procurement_manager)
    pm.post("/api/v1/rfps/", payload, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    token_client(buyer_admin).post(
        "/api/v1/rfps/", payload, format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )
    assert RFP.objects.filter(title="Per caller").count() == 2
    refused = pm.post("/api/v1/rfps/", {"title": ""}, format="json", HTTP_IDEMPOTENCY_KEY="bad-1")
    assert refused.status_code == 400
    replayed = pm.post("/api/v1/rfps/", {"title": ""}, format="json", HTTP_IDEMPOTENCY_KEY="bad-1")
    assert replayed.status_code == 400 and replayed.json() == refused.json()


def test_an_invalid_key_is_refused(procurement_manager):
    body = error_of(
        token_client(procurement_manager).post(
            "/api/v1/rfps/", {"title": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="has space"
        ),
        400,
    )
    assert "Idempotency-Key" in body["message"]
    assert not RFP.objects.filter(title="x").exists()


def test_a_repeated_invitation_answers_with_the_one_already_there(procurement_manager, draft):
    api = api_as(procurement_manager)
    vendor = make_vendor("owner@again.example", "Again Contact", "PH")
    url = f"/api/v1/rfps/{draft.pk}/invitations/"
    first = api.post(url, {"company": company_of(vendor).pk}, format="json")
    assert first.status_code == 201, first.content
    again = api.post(url, {"company": company_of(vendor).pk}, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    by_email = api.post(url, {"email": "someone@new-vendor.example"}, format="json")
    again = api.post(url, {"email": "Someone@New-Vendor.example"}, format="json")
    assert again.status_code == 200 and again.json()["id"] == by_email.json()["id"]
    assert RFPInvitation.objects.filter(rfp=draft, company=company_of(vendor)).count() == 1


# --- Date-times without a time zone ---------------------------------------------------------


def test_a_deadline_without_a_time_zone_is_refused(procurement_manager, draft):
    api = api_as(procurement_manager)
    body = error_of(
        api.patch(
            f"/api/v1/rfps/{draft.pk}/",
            {"version": draft.version, "submission_deadline": "2027-03-01T17:00:00"},
            format="json",
        ),
        400,
    )
    assert "time zone" in body["extra"]["fields"]["submission_deadline"][0]
    saved = api.patch(
        f"/api/v1/rfps/{draft.pk}/",
        {"version": draft.version, "submission_deadline": "2027-03-01T17:00:00+01:00"},
        format="json",
    )
    assert saved.status_code == 200, saved.content
    assert reload(draft).submission_deadline.isoformat() == "2027-03-01T16:00:00+00:00"


# --- The same, against a live server -------------------------------------------------------------


def _http(base: str, method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        data = json.dumps(body).encode() if body is not None else None
        sent = {**headers, **({"Content-Type": "application/json"} if data else {})}
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.integration
def test_retries_and_conditional_requests_against_a_live_server(
    live_server, procurement_manager, draft
):
    base = live_server.url.replace("localhost", "127.0.0.1")
    _, key = api_token_create(user=procurement_manager, name="live conventions")
    auth = {"Authorization": f"Token {key}"}
    # Five concurrent retries of one create: one RFP, every answer the same RFP (or
    # "still being processed" while the first runs).
    idempotency = {**auth, "Idempotency-Key": str(uuid.uuid4())}
    with concurrent.futures.ThreadPoolExecutor(5) as pool:
        answers = list(
            pool.map(
                lambda _: _http(
                    base, "POST", "/api/v1/rfps/", idempotency, {"title": "Live retry"}
                ),
                range(5),
            )
        )
    assert RFP.objects.filter(title="Live retry").count() == 1
    created = {json.loads(body)["id"] for status, _, body in answers if status == 201}
    assert len(created) == 1
    assert all(status in (201, 409) for status, _, _ in answers)
    status, headers, body = _http(
        base, "POST", "/api/v1/rfps/", idempotency, {"title": "Live retry"}
    )
    assert status == 201 and headers["Idempotent-Replayed"] == "true"
    assert json.loads(body)["id"] in created
    assert IdempotentRequest.objects.filter(key=idempotency["Idempotency-Key"]).count() == 1
    # ETag, 304, and If-Match as the version over real HTTP.
    status, headers, _ = _http(base, "GET", f"/api/v1/rfps/{draft.pk}/", auth)
    etag = headers["ETag"]
    status, _, body = _http(
        base, "GET", f"/api/v1/rfps/{draft.pk}/", {**auth, "If-None-Match": etag}
    )
    assert status == 304 and body == b""
    status, _, body = _http(
        base, "PATCH", f"/api/v1/rfps/{draft.pk}/", {**auth, "If-Match": etag}, {"title": "Live"}
    )
    assert status == 200, body
    status, _, body = _http(
        base, "PATCH", f"/api/v1/rfps/{draft.pk}/", {**auth, "If-Match": etag}, {"title": "Again"}
    )
    assert status == 409 and "Your own earlier change" in json.loads(body)["message"]
    assert reload(draft).title == "Live"


# --- Syncing: updated_after --------------------------------------------------------------------


def test_lists_take_updated_after_to_sync_only_what_changed(procurement_manager, draft):
    api = api_as(procurement_manager)
    other = make_ready_rfp(procurement_manager, invite=())
    listed = api.get("/api/v1/rfps/").json()["results"]
    assert {row["id"] for row in listed} >= {draft.pk, other.pk}
    mark = max(row["updated_at"] for row in listed)
    assert api.get("/api/v1/rfps/", {"updated_after": mark}).json()["results"] == []
    api.patch(
        f"/api/v1/rfps/{draft.pk}/", {"version": draft.version, "title": "Changed"}, format="json"
    )
    changed = api.get("/api/v1/rfps/", {"updated_after": mark}).json()["results"]
    assert [row["id"] for row in changed] == [draft.pk]
    body = error_of(api.get("/api/v1/rfps/", {"updated_after": "2026-12-05T09:00:00"}), 400)
    assert "time zone" in body["extra"]["fields"]["updated_after"][0]
    # A list whose rows keep no time of change says so rather than ignoring the filter.
    body = error_of(
        api.get(f"/api/v1/rfps/{draft.pk}/lots/", {"updated_after": mark}),
        400,
    )
    assert "cannot be filtered" in body["extra"]["fields"]["updated_after"][0]


def test_path_parameters_are_named_consistently(buyer_admin):
    """A resource's own id is `{id}`; a parent is named after what it is (`{rfp}`,
    `{vendor}`, `{lot}`), the same on every path: never `{rfp_pk}` here and `{rfp}`
    there."""
    schema = api_as(buyer_admin).get("/api/schema/?format=json").json()
    names: dict[str, set[str]] = {}
    for path in schema["paths"]:
        segments = path.strip("/").split("/")
        for index, segment in enumerate(segments):
            if segment.startswith("{"):
                name = segment.strip("{}")
                assert not name.endswith("_pk"), path
                names.setdefault(segments[index - 1], set()).add(name)
    # An RFP is `{id}` on its own paths (/rfps/{id}/) and `{rfp}` under it.
    assert names["rfps"] == {"id", "rfp"}
    assert names["evaluations"] == {"rfp"}
    assert names["vendors"] == {"id", "vendor"}
    assert names["lots"] <= {"id", "lot"}
    for collection, used in names.items():
        assert len(used - {"id"}) <= 1, (collection, used)
