"""Writes for access control. Each one announces itself (contracts.access.write, admin=True)
inside its transaction, so only admins make them and the audit log records each."""
