import pytest

from hub.core.roles import CustomsRole
from tests.factories import ApiKeyFactory, EnterpriseFactory, officer

CUSTOMS_CODE = "3122440123"
USCC = "91310115MA1K3PQ2XL"


@pytest.fixture
def importer(db):
    """The enterprise the declarations are for, registered with both of its codes."""
    return EnterpriseFactory(
        legal_name="Demo Precision Instruments (Shanghai) Co., Ltd.",
        identifiers={"customs_code": CUSTOMS_CODE, "uscc": USCC},
    )


@pytest.fixture
def g2g_key(db):
    return ApiKeyFactory(enterprise=None, kind="g2g")


@pytest.fixture
def risk_officer(db):
    return officer(CustomsRole.RISK_OFFICER)


@pytest.fixture
def follow_ups_seen():
    """Registers a recorder on every declaration follow-up, and only it, for the test."""
    from hub.declarations import follow_ups

    hooks = {
        name: getattr(follow_ups, name)
        for name in (
            "declarations_changed",
            "statuses_changed",
            "payments_received",
            "inspections_recorded",
        )
    }
    seen = {name: [] for name in hooks}
    saved = {name: list(hook.functions) for name, hook in hooks.items()}
    for name, hook in hooks.items():
        hook.functions[:] = [lambda name=name, **ids: seen[name].append(ids)]
    yield seen
    for name, hook in hooks.items():
        hook.functions[:] = saved[name]


@pytest.fixture
def jobs(django_capture_on_commit_callbacks):
    """Runs the jobs recorded inside the block when it ends, as after a commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
