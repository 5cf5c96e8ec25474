"""What happens after carriers and ports report cargo events: release-time statistics and the
like register here. Each function is called after commit with the stored events' ids
(`event_ids=[...]`), once per call of POST events."""

from hub.core.follow_ups import FollowUps

cargo_events_received = FollowUps()
