"""Who may do what in risk. Risk officers work the queue: they decide lanes and record inspection
outcomes. Analysts read everything and change nothing. Senior risk officers are risk officers who
also hold the `risk.edit_ruleset` permission (given to them, or to a group they are in, in the
admin): they edit the rule set. Enterprises never see any of it."""

from hub.core.roles import CustomsRole, has_customs_role, is_customs_staff
from hub.enterprises.permissions import is_customs_system

EDIT_RULESET = "risk.edit_ruleset"


def sees_risk(user) -> bool:
    return has_customs_role(user, CustomsRole.RISK_OFFICER, CustomsRole.ANALYST)


def decides_risk(user) -> bool:
    return has_customs_role(user, CustomsRole.RISK_OFFICER)


def edits_rules(user) -> bool:
    return decides_risk(user) and user.has_perm(EDIT_RULESET)


def reads_profiles_api(principal) -> bool:
    """The profiles API: customs staff of any role, and the customs declaration system."""
    return is_customs_system(principal) or is_customs_staff(principal)
