"""Favourites ("Garder de côté"): the listings a member keeps aside, to find them again."""
