"""Alert lifecycle: pending → firing → resolved, routing to receivers, and the outbox hand-off."""
