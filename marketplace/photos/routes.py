"""The controllers of this domain, registered by marketplace/routes.py."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from marketplace.photos.api import ListingPhotosApi, PhotoApi
from marketplace.photos.draft_pages import DraftPhotoPages
from marketplace.photos.pages import PhotoPages
from marketplace.photos.serving import PhotoFiles

ROUTES: list[ControllerRouterHandler] = [ListingPhotosApi, PhotoApi, PhotoPages, PhotoFiles, DraftPhotoPages]
