"""Lotsen's patches to Rasa 3.6's server, each measured (docs/performance.md).

They are applied in the Rasa process when it imports the project's channels
(``channels/rasa_speedups.py``, named in credentials.yml).
"""
