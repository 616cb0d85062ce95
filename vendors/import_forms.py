from __future__ import annotations

from django import forms

from vendors.imports import MAX_FILE_SIZE, MAX_ROWS, XLSX_CONTENT_TYPE


class VendorImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Vendor list",
        help_text=(
            f"A CSV file or an Excel workbook (.xlsx) of up to {MAX_ROWS:,} vendors and "
            f"{MAX_FILE_SIZE // (1024 * 1024)} MB."
        ),
        error_messages={
            "required": "Choose a CSV or Excel file to upload.",
            "empty": "The file is empty.",
        },
        widget=forms.ClearableFileInput(
            attrs={"accept": f".csv,.xlsx,text/csv,{XLSX_CONTENT_TYPE}"}
        ),
    )
