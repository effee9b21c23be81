"""Environments: the release matrix, the Pythons, the virtual environments and running asv in them."""
