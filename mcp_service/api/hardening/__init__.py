"""What stands between the network and the routes: unexpected failures answered as
structured 500s, the loopback-only guard when auth is disabled, the input checks every
route shares (path ids, NUL and lone surrogates), and the OpenAPI description of the
error answers all of these give."""
