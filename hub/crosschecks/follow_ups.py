"""What happens after declarations are cross-checked: the risk profiles refresh. Each function is
called after commit with declaration_ids=[...]."""

from hub.core.follow_ups import FollowUps

crosschecks_done = FollowUps()
