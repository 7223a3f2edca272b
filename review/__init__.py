"""Lotsen's review web app for the executive office (issue 5); see docs/review.md."""
