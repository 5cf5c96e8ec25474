"""Seed the benchmark database: an enterprise with an active agreement and an ERP key, whose
plaintext is printed for the load generator."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.settings")
django.setup()

from tests.factories import (  # noqa: E402
    ApiKeyFactory,
    EnterpriseFactory,
    MembershipFactory,
    active_agreement,
)

enterprise = EnterpriseFactory(legal_name="Benchmark Importer Co., Ltd.")
admin = MembershipFactory(enterprise=enterprise, role="admin").user
active_agreement(enterprise, admin)
print(ApiKeyFactory(enterprise=enterprise).plaintext)
