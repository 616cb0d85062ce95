"""What an RFP's results read, table by table, and the database triggers that count
every write to it (`scoring.models.ResultsInputs`).

The stored results (`scoring.results.stored`) are served only while this count, the
envelopes' state and the code are what they were computed from. The triggers run in
the database, in the writing transaction: a service, the admin, a queryset `update()`,
`bulk_create` and raw SQL all count alike, and a rolled-back write counts nothing.

Each entry names a table and the RFP ids one of its rows (`R`: the new row, and the
old one on update and delete) touches, as SQL; `when` limits an update-only trigger
to the columns the results read (a user's last log-in must not make results stale).
A new input (a table `evaluation_results` starts to read) is added here, with a
migration that reinstalls the triggers (`install_sql`), and a case in
tests/scoring/test_stored_results.py that proves a write to it makes results stale.
"""

from __future__ import annotations

from dataclasses import dataclass

_BY_EVALUATION = "SELECT rfp_id FROM scoring_evaluation WHERE id = R.evaluation_id"
_BY_LOT = "SELECT rfp_id FROM rfp_lot WHERE id = R.lot_id"
_BY_ORGANIZATION = "SELECT id FROM rfp_rfp WHERE organization_id = R.organization_id"
_EVERY_RFP = "SELECT id FROM rfp_rfp"


@dataclass(frozen=True)
class Input:
    table: str
    rfp_ids: str  # SQL: the ids of the RFPs whose results row R feeds
    columns: tuple[str, ...] = ()  # update-only, and only when one of these changes


INPUTS: tuple[Input, ...] = (
    # The RFP and its content: lots, volumes, pricing lines, service levels, the
    # questionnaire (knock-outs), required languages and certifications, deadlines.
    Input("rfp_rfp", "SELECT R.id"),
    Input("rfp_lot", "SELECT R.rfp_id"),
    Input("rfp_pricingline", _BY_LOT),
    Input("rfp_servicelevel", _BY_LOT),
    Input("rfp_questionsection", "SELECT R.rfp_id"),
    Input("rfp_question", "SELECT rfp_id FROM rfp_questionsection WHERE id = R.section_id"),
    Input("rfp_rfp_required_languages", "SELECT R.rfp_id"),
    Input("rfp_rfp_required_certifications", "SELECT R.rfp_id"),
    # Submissions, withdrawals, compliance and its overrides; the submitted versions
    # (with the exchange rates they were converted at); the envelopes opened.
    Input("proposals_proposal", "SELECT R.rfp_id"),
    Input(
        "proposals_proposalversion",
        "SELECT rfp_id FROM proposals_proposal WHERE id = R.proposal_id",
    ),
    Input("proposals_envelopeopening", "SELECT R.rfp_id"),
    # The method and aggregation, the criteria tree, weights and AHP matrices, the
    # panel, conflicts, scores, consensus and the award decisions.
    Input("scoring_evaluation", "SELECT R.rfp_id"),
    Input("scoring_criterion", _BY_EVALUATION),
    Input("scoring_weightmatrix", _BY_EVALUATION),
    Input("scoring_evaluatorassignment", _BY_EVALUATION),
    Input("scoring_conflictdeclaration", _BY_EVALUATION),
    Input("scoring_evaluatorscore", _BY_EVALUATION),
    Input("scoring_consensusscore", _BY_EVALUATION),
    Input("scoring_awarddecision", _BY_EVALUATION),
    Input(
        "scoring_awarddecision_winners",
        "SELECT e.rfp_id FROM scoring_awarddecision a JOIN scoring_evaluation e "
        "ON e.id = a.evaluation_id WHERE a.id = R.awarddecision_id",
    ),
    # The buyer: its name, home country, time zone and business hours; its view of
    # countries (location overrides).
    Input("accounts_buyerorganization", "SELECT id FROM rfp_rfp WHERE organization_id = R.id"),
    Input("vendors_locationoverride", _BY_ORGANIZATION),
    # Names the results print: languages and certification types (shared by every
    # buyer, rarely changed), vendors' names (an old version without a recorded name
    # shows the company's), and the buyer's people (evaluators, who set a consensus,
    # proposed or decided an award, overrode compliance).
    Input("vendors_language", _EVERY_RFP),
    Input("vendors_certificationtype", _EVERY_RFP),
    Input(
        "vendors_vendorcompany",
        "SELECT rfp_id FROM proposals_proposal WHERE company_id = R.id",
        columns=("legal_name", "trading_name"),
    ),
    Input(
        "accounts_user",
        "SELECT id FROM rfp_rfp WHERE organization_id IN "
        "(SELECT organization_id FROM accounts_buyermembership WHERE user_id = R.id)",
        columns=("full_name", "email"),
    ),
)

_COUNT = (
    "INSERT INTO scoring_resultsinputs (rfp_id, generation) "
    "SELECT DISTINCT touched.rfp_id, 1 FROM ({select}) AS touched (rfp_id) "
    "WHERE touched.rfp_id IS NOT NULL "
    "ON CONFLICT (rfp_id) DO UPDATE SET generation = scoring_resultsinputs.generation + 1"
)
# SQLite names a subquery's columns only through aliases (see _sqlite_select).
_COUNT_SQLITE = (
    "INSERT INTO scoring_resultsinputs (rfp_id, generation) "
    "SELECT DISTINCT rfp_id, 1 FROM ({select}) AS touched "
    "WHERE rfp_id IS NOT NULL "
    "ON CONFLICT (rfp_id) DO UPDATE SET generation = generation + 1"
)


def _sqlite_select(select: str, row: str) -> str:
    """`SELECT x ...` as `SELECT x AS rfp_id ...` (the first column is the id)."""
    head, _, rest = select.partition(" FROM ")
    named = f"{head.replace('R.', row + '.')} AS rfp_id"
    return f"{named} FROM {rest.replace('R.', row + '.')}" if rest else named


def _name(item: Input) -> str:
    return f"bpo_results_inputs_{item.table}"


def install_sql(vendor: str, *, tables: set[str] | None = None) -> list[str]:
    """The statements that (re)install every trigger, for `vendor` ("postgresql" or
    "sqlite"); only on the `tables` that exist if given (a migration runs before the
    migrations that create later inputs' tables, which reinstall them)."""
    statements = uninstall_sql(vendor)
    for item in INPUTS:
        if tables is not None and item.table not in tables:
            continue
        name = _name(item)
        if vendor == "postgresql":
            old = _COUNT.format(select=item.rfp_ids.replace("R.", "OLD."))
            new = _COUNT.format(select=item.rfp_ids.replace("R.", "NEW."))
            statements.append(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF TG_OP <> 'INSERT' THEN {old}; END IF; "
                f"IF TG_OP <> 'DELETE' THEN {new}; END IF; "
                "RETURN NULL; END $$"
            )
            if item.columns:
                changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in item.columns)
                statements.append(
                    f"CREATE TRIGGER {name} AFTER UPDATE ON {item.table} FOR EACH ROW "
                    f"WHEN ({changed}) EXECUTE FUNCTION {name}()"
                )
            else:
                statements.append(
                    f"CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE ON {item.table} "
                    f"FOR EACH ROW EXECUTE FUNCTION {name}()"
                )
            continue
        events = (
            [("update", "UPDATE", ("OLD", "NEW"))]
            if item.columns
            else [
                ("insert", "INSERT", ("NEW",)),
                ("update", "UPDATE", ("OLD", "NEW")),
                ("delete", "DELETE", ("OLD",)),
            ]
        )
        for suffix, event, rows in events:
            when = (
                " WHEN " + " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in item.columns)
                if item.columns
                else ""
            )
            body = " ".join(
                _COUNT_SQLITE.format(select=_sqlite_select(item.rfp_ids, row)) + ";" for row in rows
            )
            statements.append(
                f"CREATE TRIGGER {name}_{suffix} AFTER {event} ON {item.table} FOR EACH ROW"
                f"{when} BEGIN {body} END"
            )
    return statements


def uninstall_sql(vendor: str) -> list[str]:
    statements = []
    for item in INPUTS:
        name = _name(item)
        if vendor == "postgresql":
            statements.append(f"DROP TRIGGER IF EXISTS {name} ON {item.table}")
            statements.append(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            statements.extend(
                f"DROP TRIGGER IF EXISTS {name}_{suffix}"
                for suffix in ("insert", "update", "delete")
            )
    return statements
