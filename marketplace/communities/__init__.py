"""Communities (sub-groups), their members and their curated categories."""
