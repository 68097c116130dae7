"""Notifications: the in-app list, each member's choice per kind, and the e-mail outbox the worker sends."""
