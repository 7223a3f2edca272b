"""Offline evaluation of Lotsen's understanding (make eval)."""
