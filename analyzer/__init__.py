"""Offline support-bundle analyzer for Red Hat Quay."""

__version__ = "0.1.0"
