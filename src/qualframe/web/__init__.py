"""The web app and API: `app` (factory) > `routes` (one module per resource) > `http` (request helpers)."""
