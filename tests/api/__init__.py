"""Tests of feedback_api (the Flask app, its store and its outbox)."""
