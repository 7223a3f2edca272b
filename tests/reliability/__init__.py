"""Nothing lost: the outbox, reconciliation (issue 7)."""
