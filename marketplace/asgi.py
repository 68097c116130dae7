"""The ASGI application object for uvicorn (``marketplace.asgi:app``)."""

from marketplace.app import create_app

app = create_app()
