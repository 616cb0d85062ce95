"""Moved to accounts.mail (beside its model and task). This re-export stays only until
rfp/services.py, proposals/services.py and scoring/services.py import accounts.mail;
then it goes, with its exception in pyproject's [tool.importlinter]."""

from accounts.mail import send_templated_email

__all__ = ["send_templated_email"]
