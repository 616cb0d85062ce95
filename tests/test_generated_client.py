"""A typed Python client generated from the live schema with openapi-python-client
works, as an integrator would use it (issue 20, part 1): it generates without a
warning (but one: the report download is a PDF or a workbook, which the generator
leaves to the raw HTTP client), every one of its modules imports, and a short
integration runs with it against a live server: list RFPs, create one from a
template, add a lot, read the results and one proposal's drill-down, ask for a PDF
report, follow its job and download the file."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from accounts.services import api_token_create
from rfp.models import RFP
from scoring import services as scoring_services
from tests.scoring import factories as f

VENV_BIN = Path(sys.executable).parent
# The one warning allowed: a binary download of several types is left to the raw client.
ALLOWED_WARNING = "GET /api/v1/jobs/{id}/download/"


def _generate(base_url: str, where: Path) -> Any:
    schema = where / "schema.json"
    schema.write_bytes(requests.get(f"{base_url}/api/schema/?format=json", timeout=30).content)
    generated = subprocess.run(
        [
            str(VENV_BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--output-path",
            str(where / "bpo_client"),
        ],
        capture_output=True,
        text=True,
        env={"PATH": f"{VENV_BIN}:/usr/bin:/bin", "HOME": str(where)},
        timeout=300,
        check=False,
    )
    output = generated.stdout + generated.stderr
    assert generated.returncode == 0, output
    warnings = [line for line in output.splitlines() if line.startswith("WARNING")]
    assert all(ALLOWED_WARNING in line for line in warnings), output
    sys.path.insert(0, str(where))
    try:
        package = importlib.import_module("bpo_client")
        failed = []
        modules = list(pkgutil.walk_packages(package.__path__, "bpo_client."))
        for module in modules:
            try:
                importlib.import_module(module.name)
            except Exception as exc:  # every failure, not the first
                failed.append(f"{module.name}: {exc!r}")
        assert not failed, "\n".join(failed)
        assert len(modules) > 200
        return package
    finally:
        sys.path.remove(str(where))


def _evaluated_rfp(buyer_admin: Any, procurement_manager: Any, evaluator: Any) -> RFP:
    vendors = [
        f.make_vendor("owner@client-a.example", "Client Test Alpha", "MX"),
        f.make_vendor("owner@client-b.example", "Client Test Beta", "PH"),
    ]
    rfp = f.make_rfp(procurement_manager, buyer_admin, vendors, title="Evaluated for the client")
    for vendor in vendors:
        f.submit(vendor, rfp)
    rfp = f.pass_deadline(rfp)
    evaluation = scoring_services.evaluation_setup(actor=procurement_manager, rfp=rfp)
    f.setup_panel(procurement_manager, evaluation, [evaluator])
    evaluation = f.start(procurement_manager, f.fresh(evaluation))
    f.declare_none(evaluator, evaluation)
    f.score_all(evaluator, evaluation, default=7)
    return rfp


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_generated_client_imports_and_runs_an_integration(
    live_server, tmp_path, buyer_admin, procurement_manager, evaluator
):
    base_url = live_server.url.replace("localhost", "127.0.0.1")
    _generate(base_url, tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        from bpo_client import AuthenticatedClient  # noqa: PLC0415 - generated above
        from bpo_client.api.evaluations import (  # noqa: PLC0415
            evaluations_results_proposals_retrieve,
            evaluations_results_retrieve,
        )
        from bpo_client.api.jobs import jobs_retrieve  # noqa: PLC0415
        from bpo_client.api.rfp_templates import rfp_templates_list  # noqa: PLC0415
        from bpo_client.api.rfps import (  # noqa: PLC0415
            rfps_create,
            rfps_list,
            rfps_lots_create,
            rfps_reports_create,
        )
        from bpo_client.models import (  # noqa: PLC0415
            ReportKindEnum,
            ReportRequestRequest,
            RFPCreateRequest,
            RFPLotInputRequest,
        )

        evaluated = _evaluated_rfp(buyer_admin, procurement_manager, evaluator)
        _, key = api_token_create(user=procurement_manager, name="generated client")
        client = AuthenticatedClient(base_url=base_url, token=key, prefix="Token")

        listed = rfps_list.sync(client=client)
        assert evaluated.pk in [row.id for row in listed.results]

        templates = rfp_templates_list.sync(client=client).results
        template = next(t for t in templates if "support" in t.title.lower())
        created = rfps_create.sync(
            client=client,
            body=RFPCreateRequest(title="Made by the generated client", template=template.id),
        )
        assert created.title == "Made by the generated client"
        lot = rfps_lots_create.sync(
            created.id,
            client=client,
            body=RFPLotInputRequest(
                version=created.version, name="Chat", seats="15", contract_term_months=24
            ),
        )
        assert lot.name == "Chat"

        results = evaluations_results_retrieve.sync(evaluated.pk, client=client)
        ranking = results.lots[0].ranking
        assert {row.vendor for row in ranking} == {"Client Test Alpha", "Client Test Beta"}
        one = evaluations_results_proposals_retrieve.sync(
            evaluated.pk, ranking[0].proposal_id, client=client
        )
        assert one.proposal.proposal_id == ranking[0].proposal_id and one.proposal.leaves

        asked = rfps_reports_create.sync_detailed(
            evaluated.pk, client=client, body=ReportRequestRequest(kind=ReportKindEnum.PDF)
        )
        assert asked.status_code == 202, asked.content
        job = asked.parsed
        deadline = time.monotonic() + 120
        while job.state != "done" and time.monotonic() < deadline:
            assert job.state not in ("failed", "cancelled"), job.error
            time.sleep(0.5)
            job = jobs_retrieve.sync(job.id, client=client)
        assert job.state == "done" and job.download_url
        downloaded = client.get_httpx_client().get(job.download_url)
        assert downloaded.status_code == 200
        assert downloaded.headers["content-type"] == "application/pdf"
        assert downloaded.content.startswith(b"%PDF")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == "bpo_client" or m.startswith("bpo_client.")]:
            del sys.modules[name]
