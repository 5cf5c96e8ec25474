"""What happens after the customs system's data is stored. Matching, tracking and risk register
here; each function is called after commit with the ids named below."""

from hub.core.follow_ups import FollowUps

# New or amended declarations: declaration_ids=[...]
declarations_changed = FollowUps()
# Status changes (accepted, inspection, duty, release): declaration_ids=[...]
statuses_changed = FollowUps()
# Bank payment records: payment_ids=[...]
payments_received = FollowUps()
# Inspection outcomes recorded: declaration_ids=[...]
inspections_recorded = FollowUps()
