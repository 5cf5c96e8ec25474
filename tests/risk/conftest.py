import pytest
from django.contrib.auth.models import Permission

from tests.factories import officer


@pytest.fixture
def risk_officer(db):
    return officer("customs_risk_officer")


@pytest.fixture
def analyst(db):
    return officer("customs_analyst")


@pytest.fixture
def senior(db):
    """A risk officer with the permission to edit rule sets."""
    user = officer("customs_risk_officer")
    user.user_permissions.add(Permission.objects.get(codename="edit_ruleset"))
    return user


@pytest.fixture
def jobs(django_capture_on_commit_callbacks):
    """Run the follow-up jobs recorded inside the block once it ends, as after a commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
