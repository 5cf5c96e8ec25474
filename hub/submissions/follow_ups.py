"""What happens after consignments are stored: partner linking and matching to declarations
register here. Each function is called with the new revisions' ids (`revision_ids=`), once per
submission, after commit."""

from hub.core.follow_ups import FollowUps

consignments_received = FollowUps()
