"""Registry export downloads (pages and API); the work is in fupin.registry.io.export."""
