from typing import Any

from django.apps import AppConfig

from vendors.signals import vendor_company_registered


class RfpConfig(AppConfig):
    name = "rfp"

    def ready(self) -> None:
        # Imported here, not at the top: services import the models, which are not
        # loaded yet when Django imports this AppConfig.
        from rfp.services import rfp_invitations_attach_new_company  # noqa: PLC0415

        def attach_invitations(sender: Any, *, company: Any, email: str, **kwargs: Any) -> None:
            """A vendor invited by e-mail has registered: its invitations join its company.
            vendors (the layer below) sends the signal, so it never imports rfp."""
            rfp_invitations_attach_new_company(company=company, email=email)

        # weak=False: the receiver is a local function, kept alive by the signal.
        vendor_company_registered.connect(
            attach_invitations, weak=False, dispatch_uid="rfp.attach_invitations"
        )
