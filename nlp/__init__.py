"""Swedish language resources: the spaCy pipeline Lotsen builds at setup."""
