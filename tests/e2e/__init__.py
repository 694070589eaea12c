"""End-to-end tests: the installed vaultsh against a moto server."""
