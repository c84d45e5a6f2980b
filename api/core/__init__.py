"""The core every layer uses: settings, the database, the caller's identity, paging, the
domain's exceptions. Nothing here knows about HTTP, the command line or a route."""
