"""What vendors tells the layers above it, without importing them."""

from __future__ import annotations

from django.dispatch import Signal

# A vendor company was registered by its first owner. Sent inside the registration's
# transaction (a receiver's failure undoes the registration), with `company` and
# `email` (the owner's address). rfp receives it (rfp/apps.py): RFP invitations sent
# to that address before the company existed now belong to it.
vendor_company_registered = Signal()
