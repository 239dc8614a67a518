"""Every HTTP route, one module per resource, each exposing `router` (an APIRouter).

`qualframe.web.app` includes them explicitly; a route module imports `qualframe.web.http` for request
helpers and never the app module.
"""
