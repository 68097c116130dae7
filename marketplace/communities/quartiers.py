"""The quartiers of the 20e arrondissement: the pickup areas offered by default.

A pickup area is a quartier or a métro station, never an address; groups may add others.
"""

QUARTIERS_DU_20E: tuple[str, ...] = (
    "Belleville",
    "Ménilmontant",
    "Gambetta",
    "Jourdain",
    "Pyrénées",
    "Père-Lachaise",
    "Charonne",
    "Alexandre Dumas",
    "Porte de Bagnolet",
    "Porte de Montreuil",
    "Saint-Fargeau",
    "Réunion",
)
