"""Rasa's conversation stores (tracker store, lock store), configured from the
environment through endpoints.yml; see docs/deployment.md."""
