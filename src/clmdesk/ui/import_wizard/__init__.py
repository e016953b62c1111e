"""The spreadsheet import wizard (ui layer).

Pick or drop files, check each sheet's role and column mapping on a
preview, read the dry run's exact counts, import with progress and Cancel,
and see (and export) the result. See :class:`ImportWizard`.
"""

from __future__ import annotations

from clmdesk.ui.import_wizard.wizard import ImportWizard

__all__ = ["ImportWizard"]
