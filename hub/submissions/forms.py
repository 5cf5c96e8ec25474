from django import forms
from django.utils.translation import gettext_lazy as _

from connectors.excel_template import XLSX_MEDIA_TYPE


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("The filled-in template (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_MEDIA_TYPE}"}),
    )
    authenticity_confirmed = forms.BooleanField(
        error_messages={
            "required": _("Confirm the declaration: nothing is stored without it."),
        }
    )

    def __init__(self, *args, declaration: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authenticity_confirmed"].label = declaration
