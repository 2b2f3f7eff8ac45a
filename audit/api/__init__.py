"""HTTP API of the audit log: GET /audit."""
