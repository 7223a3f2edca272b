"""Lotsen's custom actions (loaded by the rasa-sdk action server)."""
