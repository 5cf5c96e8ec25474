import factory
from django.contrib.auth.models import Group

from hub.core.models import User
from hub.enterprises.models import ApiKey, Enterprise, Membership
from hub.enterprises.services import api_key_create

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    display_name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def customs_roles(self, create, roles, **kwargs):
        for role in roles or []:
            self.groups.add(Group.objects.get_or_create(name=role)[0])


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    legal_name = factory.Sequence(lambda n: f"Trading Company {n} Co., Ltd.")
    country = "CN"
    status = Enterprise.Status.APPROVED


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    role = "submitter"


class ApiKeyFactory(factory.django.DjangoModelFactory):
    """Made through the service, so the key is hashed as in production; the plaintext is kept
    on the instance for the test to send."""

    class Meta:
        model = ApiKey

    enterprise = factory.SubFactory(EnterpriseFactory)
    name = "ERP integration"

    @classmethod
    def _create(cls, model_class, enterprise=None, name="ERP integration", **kwargs):
        kind = kwargs.pop("kind", ApiKey.Kind.ERP)
        api_key, plaintext = api_key_create(name=name, enterprise=enterprise, kind=kind)
        api_key.plaintext = plaintext
        return api_key
