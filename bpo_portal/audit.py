"""Moved to accounts.audit (beside its model). This re-export stays only until
rfp/services.py, proposals/services.py and scoring/services.py import accounts.audit;
then it goes, with its exception in pyproject's [tool.importlinter]."""

from accounts.audit import audit_record

__all__ = ["audit_record"]
