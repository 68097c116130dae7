"""Leaving the site with one's data: the RGPD's right to erasure (art. 17) and to portability (art. 20)."""
