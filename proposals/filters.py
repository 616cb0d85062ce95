"""One FilterSet for the proposals list page and the API list."""

from __future__ import annotations

import django_filters

from proposals.models import Proposal, ProposalStatus


class ProposalFilter(django_filters.FilterSet):
    # rfp__pk, not rfp_id: an id out of the database's range then matches nothing (a
    # foreign key lookup would hand it to the database driver, which fails with a 500).
    rfp = django_filters.NumberFilter(field_name="rfp__pk", label="RFP")
    status = django_filters.MultipleChoiceFilter(choices=ProposalStatus.choices, label="Status")

    class Meta:
        model = Proposal
        fields = ["rfp", "status"]
