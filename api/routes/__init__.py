"""HTTP routes, one module per domain noun. Thin: parse, resolve dependencies, call a service."""
