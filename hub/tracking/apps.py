from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "hub.tracking"
    label = "tracking"
    verbose_name = _("Tracking and release times")

    def ready(self):
        from hub.crosschecks.follow_ups import crosschecks_done
        from hub.declarations.follow_ups import declarations_changed, statuses_changed
        from hub.tracking.follow_ups import cargo_events_received
        from hub.tracking.timings import (
            release_timings_refresh,
            release_timings_refresh_for_events,
        )

        # Stage times follow their inputs: declarations, statuses, matches and cargo events.
        declarations_changed.register(release_timings_refresh)
        statuses_changed.register(release_timings_refresh)
        crosschecks_done.register(release_timings_refresh)
        cargo_events_received.register(release_timings_refresh_for_events)
