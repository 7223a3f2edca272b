"""Imported by the rasa-sdk action server with the rest of the package:
loads configuration, knowledge and the database at start-up so that a broken
setting or knowledge entry stops the server with a clear message."""
from actions.runtime import get_runtime

get_runtime()
