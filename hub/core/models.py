from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class User(AbstractUser):
    """A person: an enterprise member or a customs officer. What they may do comes from their
    customs roles (groups) and their enterprise memberships."""

    display_name = models.CharField(_("display name"), max_length=150, blank=True)

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username


class AuditEvent(models.Model):
    """One entry of the append-only audit trail.

    Writers only insert; the chain fields (`seq`, `prev_hash`, `hash`) are filled in afterwards, in
    order, by the sealing job, so that writers never wait on one another. A database trigger refuses
    any other update and every delete.
    """

    occurred_at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=120, db_index=True)
    actor_user = models.ForeignKey(
        "core.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    enterprise_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    object_type = models.CharField(max_length=120, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    seq = models.BigIntegerField(null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["id"], name="audit_unsealed_idx", condition=models.Q(seq__isnull=True)
            ),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self):
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_id}"


class AuditChainHead(models.Model):
    """The one row the sealing job locks: sequence number and hash of the last sealed event."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self):
        return f"audit chain at #{self.last_seq}"


class OutboxJob(TimeStampedModel):
    """Work that must follow a committed transaction, recorded inside that transaction.

    It is sent to the broker after commit and stays pending until a worker has run it; the
    sweeper sends again whatever is pending once `available_at` has passed, so a job survives a
    broker outage or a lost message. Running it marks it done in the same transaction as its
    effect, which makes a second delivery a no-op.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    available_at = models.DateTimeField(
        default=timezone.now, help_text=_("when the sweeper may send it (again)")
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["available_at"],
                name="outbox_pending_idx",
                condition=models.Q(status="pending"),
            ),
        ]

    def __str__(self):
        return f"{self.task}{self.args} [{self.status}]"
