"""Listing photos: a pure image pipeline (``pipeline``) and where its output is kept (``storage``)."""
