"""Lotsen's dependency audit and its accepted findings (docs/security.md)."""
