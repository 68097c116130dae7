"""Alerts: saved searches, wanted listings that watch, and sizes that grow with the child.

- ``models``: saved searches, what they matched (once per listing), and which search-outbox rows
  the matcher has read;
- ``criteria``: a saved search's query as the API and the page take it, checked as the search's;
- ``matching``: asks the search index, as each saver, about the listings that just changed;
- ``service``: every write on saved searches (create, edit, pause, delete, the size moving on);
- ``digest``: the daily e-mail of the day's matches;
- ``scheduled``: the worker's jobs.
"""
