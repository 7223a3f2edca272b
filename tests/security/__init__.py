"""Security tests (issue 7 §3): dependency audit, secrets, exposed endpoints."""
