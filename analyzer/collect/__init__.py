"""Gathering a bundle from a live podman or OpenShift deployment."""
