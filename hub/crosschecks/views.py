from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from hub.core.roles import is_customs_staff
from hub.crosschecks.selectors import tolerance_list


@login_required
def tolerance_list_view(request):
    if not is_customs_staff(request.user):
        raise PermissionDenied(_("The cross-check tolerances are for customs staff."))
    return render(request, "crosschecks/tolerance_list.html", {"tolerances": tolerance_list()})
