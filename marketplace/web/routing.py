"""The route table, corrected where Litestar 2.25 builds it wrong: ``OPTIONS`` and its ``Allow``.

Litestar adds an ``OPTIONS`` handler to a path the first time a handler registers on it; the
handler's ``Allow`` lists the methods of the route *as it was then*. When another controller
later registers other methods on the same path (``GET /api/v1/communities`` in one controller,
``POST`` in another), Litestar builds a new route with every method but keeps that first
``OPTIONS`` handler, still bound to the old route: ``Allow`` then omits the methods added later.

``answer_options_with_every_method`` runs once the app is built: for each route whose ``OPTIONS``
is Litestar's generated one, it puts a new generated handler, bound to the finished route, in the
route's handler map and in the router's trie (where requests find it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar._asgi.routing_trie.mapping import build_route_middleware_stack
from litestar._asgi.routing_trie.types import ASGIHandlerTuple, RouteTrieNode
from litestar.routes import HTTPRoute

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.handlers import HTTPRouteHandler

_GENERATED = "HTTPRoute.create_options_handler.<locals>.options_handler"


def answer_options_with_every_method(app: Litestar) -> None:
    """Give every path an ``OPTIONS`` whose ``Allow`` names all the methods of the path."""
    replaced: dict[int, tuple[HTTPRoute, HTTPRouteHandler]] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or "OPTIONS" not in route.route_handler_map:
            continue
        old, _ = route.route_handler_map["OPTIONS"]
        if getattr(old.fn, "__qualname__", "") != _GENERATED:
            continue  # an OPTIONS handler of our own: it answers what it wants
        new = route.create_options_handler(route.path)
        new.owner = old.owner
        new.on_registration(app)
        route.route_handlers[route.route_handlers.index(old)] = new
        kwargs_model = new.create_kwargs_model(path_parameters=route.path_parameters)
        route.route_handler_map["OPTIONS"] = (new, kwargs_model)
        replaced[id(old)] = (route, new)
    if replaced:
        _replace_in_trie(app, app.asgi_router.root_route_map_node, replaced)


def _replace_in_trie(
    app: Litestar, node: RouteTrieNode, replaced: dict[int, tuple[HTTPRoute, HTTPRouteHandler]]
) -> None:
    entry = node.asgi_handlers.get("OPTIONS")
    if entry is not None and id(entry.handler) in replaced:
        route, new = replaced[id(entry.handler)]
        node.asgi_handlers["OPTIONS"] = ASGIHandlerTuple(
            asgi_app=build_route_middleware_stack(app=app, route=route, route_handler=new), handler=new
        )
    children: dict[Any, RouteTrieNode] = node.children
    for child in children.values():
        _replace_in_trie(app, child, replaced)
