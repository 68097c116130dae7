"""Demo data: the two sub-groups of the 20e, a site admin, three neighbours and their listings.

Loaded once (``marketplace demo``, and ``make run`` on a fresh machine): when the demo admin
exists, nothing is done. Everything goes through the services, as a person using the site would.
The listings ship with the package (``demo_listings.jsonl``, taken from the evaluation corpus,
with authors and what the swaps ask in exchange) and go through the importer; their dates are
moved so that the newest was posted an hour ago, so the board looks alive on any day. Their
photos are drawn on the spot (shapes and the title: nothing is downloaded) and uploaded through
the photo pipeline.

Credentials (also in the README):
- site admin: admin@demo.local / demo-admin-2026
- neighbours: nadia@demo.local, karim@demo.local, lea@demo.local / demo-voisin-2026
"""

from __future__ import annotations

import datetime
import json
import uuid
import zlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.accounts.auth import Viewer
from marketplace.accounts.service import UserService
from marketplace.communities.quartiers import QUARTIERS_DU_20E
from marketplace.communities.service import CommunityService
from marketplace.listings.importer import import_listings
from marketplace.listings.models import Listing
from marketplace.listings.status import EDITABLE
from marketplace.operations import transaction
from marketplace.photos.demo_pictures import demo_picture
from marketplace.photos.dependencies import storage_for
from marketplace.photos.service import PhotoService
from marketplace.settings import Settings

DEMO_LISTINGS = Path(__file__).resolve().parent / "demo_listings.jsonl"
ADMIN_EMAIL = "admin@demo.local"
ADMIN_PASSWORD = "demo-admin-2026"  # noqa: S105 (published demo credentials)
MEMBER_PASSWORD = "demo-voisin-2026"  # noqa: S105
MEMBERS = (("nadia@demo.local", "Nadia"), ("karim@demo.local", "Karim"), ("lea@demo.local", "Léa"))
VIDE_GRENIER = "vide-grenier-paris-20"
VIDE_DRESSING = "vide-dressing-bebe-enfant-paris-20"


def recent_lines(lines: list[str], now: datetime.datetime) -> list[str]:
    """The demo lines with their dates moved so that the newest is an hour old."""
    rows = [json.loads(line) for line in lines if line.strip()]
    dates = [datetime.datetime.fromisoformat(row["created_at"].replace("Z", "+00:00")) for row in rows]
    shift = (now - datetime.timedelta(hours=1)) - max(dates)
    for row, date in zip(rows, dates, strict=True):
        row["created_at"] = (date + shift).isoformat()
    return [json.dumps(row, ensure_ascii=False) for row in rows]


def photos_for(ref: str) -> int:
    """How many pictures a demo listing gets: one, two or three, fixed by its ref."""
    return 1 + zlib.crc32(ref.encode()) % 3


async def add_demo_photos(settings: Settings, session: AsyncSession, community_ids: list[uuid.UUID]) -> int:
    """Drawn pictures (shapes and the title) for the demo listings the author may still edit,
    through the photo pipeline and service like any upload."""
    photos = PhotoService(session=session, storage=storage_for(settings))
    listings = await session.scalars(
        select(Listing).where(Listing.community_id.in_(community_ids)).order_by(Listing.ref)
    )
    count = 0
    for listing in listings.unique():
        if listing.status not in EDITABLE:
            continue
        for variant in range(photos_for(listing.ref or listing.title)):
            await photos.add(listing, Viewer(listing.author), demo_picture(listing.title, variant))
            count += 1
    return count


async def load_demo(settings: Settings) -> str:
    """Load the demo data once; returns a French summary line."""
    async with transaction(settings) as session:
        users = UserService(session=session)
        if await users.by_email(ADMIN_EMAIL) is not None:
            return "Données de démonstration déjà chargées : rien à faire."
        admin = await users.register(
            email=ADMIN_EMAIL, password=ADMIN_PASSWORD, display_name="Admin du collectif", is_admin=True
        )
        members = {
            email: await users.register(email=email, password=MEMBER_PASSWORD, display_name=name)
            for email, name in MEMBERS
        }
        nadia, karim, lea = (members[email] for email, _name in MEMBERS)

        communities = CommunityService(session=session)
        grenier = await communities.create_community(
            creator=admin,
            slug=VIDE_GRENIER,
            name="Vide-grenier du 20e",
            description=(
                "Maison, jouets, livres, meubles, petits prix : on donne, on échange, on vend "
                "entre voisins du 20e arrondissement."
            ),
            rules=(
                "Remise en main propre dans le quartier indiqué.\n"
                "Pas d'animaux, pas de médicaments, pas de contrefaçons.\n\n"
                "Marquez votre annonce « réservée » puis « terminée » : les autres savent où en est l'objet."
            ),
            visibility="public",
            join_policy="open",
            pickup_areas=list(QUARTIERS_DU_20E),
            template="vide-grenier",
        )
        dressing = await communities.create_community(
            creator=admin,
            slug=VIDE_DRESSING,
            name="Vide-dressing bébé & enfant du 20e",
            description=(
                "Vêtements, chaussures et matériel de puériculture de 0 à 16 ans, entre parents du 20e."
            ),
            rules="Vêtements propres et en bon état. Tailles indiquées sur l'étiquette.",
            visibility="members",
            join_policy="approval",
            join_question="Dans quel quartier du 20e habitez-vous ?",
            pickup_areas=list(QUARTIERS_DU_20E),
            template="vide-dressing",
        )
        for member in (nadia, karim, lea):
            await communities.join(grenier, member)
        for member, answer in ((nadia, "Vers Jourdain."), (lea, "Du côté de Gambetta, deux enfants.")):
            await communities.join(dressing, member, answer)
            await communities.approve(dressing, admin, member.id)
        await communities.join(dressing, karim, "Près de la place des Fêtes, j'ai une petite de 2 ans.")

        lines = recent_lines(
            DEMO_LISTINGS.read_text(encoding="utf-8").splitlines(), datetime.datetime.now(datetime.UTC)
        )
        report = await import_listings(
            session,
            lines,
            default_author_email=None,
            create_communities=False,
            listing_lifetime_days=settings.listing_lifetime_days,
        )
        if report.errors:
            number, message = report.errors[0]
            raise RuntimeError(f"Annonces de démonstration refusées (ligne {number} : {message})")
        photo_count = await add_demo_photos(settings, session, [grenier.id, dressing.id])
    return (
        f"Données de démonstration chargées : 2 groupes, 4 comptes, {report.created} annonces, "
        f"{photo_count} photos. "
        f"Connexion : {ADMIN_EMAIL} / {ADMIN_PASSWORD}, ou nadia@demo.local / {MEMBER_PASSWORD}."
    )
