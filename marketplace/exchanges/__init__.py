"""Exchanges between neighbours: interest and conversations, reservation and hand-over, fair draw."""
