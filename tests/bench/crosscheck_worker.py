"""Loaded into the cross-check benchmark's workers (`--include`): the follow-ups other apps
register on `crosschecks_done` (risk profiles, release times) are left out, so that the figure
is of matching and cross-checking alone."""

from celery.signals import worker_process_init


@worker_process_init.connect
def _without_other_apps_follow_ups(**kwargs):
    from hub.crosschecks.follow_ups import crosschecks_done

    crosschecks_done.functions.clear()
