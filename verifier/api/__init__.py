"""HTTP API of the verifier app: webhook execution and logs, verification runs."""
