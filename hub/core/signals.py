import structlog
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver
from django_structlog import signals as structlog_signals

from hub.core.audit import audit_record


@receiver(structlog_signals.bind_extra_request_finished_metadata)
def expose_request_id(sender, request, logger, response, log_kwargs, **kwargs):
    """Return the request id to the caller, so a support ticket can quote the exact log lines."""
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if request_id:
        response["X-Request-ID"] = request_id


@receiver(structlog_signals.update_failure_response)
def expose_request_id_on_failure(sender, request, response, logger, exception, **kwargs):
    expose_request_id(sender, request, logger, response, {})


@receiver(auth_signals.user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit_record(action="core.user.logged_in", actor=user, obj=user)


@receiver(auth_signals.user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action="core.user.logged_out", actor=user, obj=user)


@receiver(auth_signals.user_login_failed)
def audit_login_failure(sender, credentials, request=None, **kwargs):
    # The attempted username is kept, never the password.
    audit_record(
        action="core.user.login_failed", data={"username": credentials.get("username", "")}
    )
