"""The neighbourhood marketplace of a Paris 20e collective."""
