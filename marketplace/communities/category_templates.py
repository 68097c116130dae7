"""The categories a new community starts from, as data: one list per template.

Names match what neighbours of the 20e already use in their groups (and the import files), so
imported listings land in the template's categories. Attribute keys come from
``marketplace.communities.attributes.CATALOGUE``: clothing carries the kids' size scale, shoes the
pointure, and nearly everything carries its condition. Admins change all of it afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

TEMPLATE_NAMES: tuple[str, ...] = ("vide-grenier", "vide-dressing", "none")

CLOTHING = ("size", "gender", "brand", "season", "condition")
SHOES = ("shoe_size", "gender", "brand", "condition")
BRANDED = ("brand", "condition")
PLAIN = ("condition",)


@dataclass(frozen=True)
class CategorySeed:
    name: str
    attributes: tuple[str, ...] = PLAIN
    children: tuple[CategorySeed, ...] = ()


VIDE_GRENIER: tuple[CategorySeed, ...] = (
    CategorySeed("Maison"),
    CategorySeed("Meubles"),
    CategorySeed("Cuisine"),
    CategorySeed("Électroménager", BRANDED),
    CategorySeed("Décoration"),
    CategorySeed("Bricolage", BRANDED),
    CategorySeed("Jardin et balcon"),
    CategorySeed("Jouets", BRANDED),
    CategorySeed("Jeux de société"),
    CategorySeed("Livres"),
    CategorySeed("Musique et films"),
    CategorySeed("Sport et loisirs", BRANDED),
    CategorySeed("Vélos et trottinettes", BRANDED),
    CategorySeed("Informatique", BRANDED),
    CategorySeed("Téléphonie", BRANDED),
    CategorySeed("Puériculture", BRANDED),
    CategorySeed("Vêtements adulte", ("brand", "season", "condition")),
    CategorySeed("Divers"),
)

VIDE_DRESSING: tuple[CategorySeed, ...] = (
    CategorySeed("Vêtements bébé", CLOTHING),
    CategorySeed("Vêtements enfant", CLOTHING),
    CategorySeed("Chaussures", SHOES),
    CategorySeed("Accessoires", ("size", "gender", "brand", "condition")),
    CategorySeed("Déguisements", ("size", "gender", "condition")),
    CategorySeed("Vêtements de grossesse", ("brand", "season", "condition")),
    CategorySeed("Puériculture", BRANDED),
    CategorySeed("Lots", CLOTHING),
)

TEMPLATES: dict[str, tuple[CategorySeed, ...]] = {
    "vide-grenier": VIDE_GRENIER,
    "vide-dressing": VIDE_DRESSING,
    "none": (),
}
