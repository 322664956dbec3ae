"""The HTTP API: create_app(), the error handler, the request's session and actor."""
