"""Gathering a bundle from a live podman or OpenShift deployment (`analyze collect`).

- `cli`: the command line, the private working directory, manifest.json, the archive.
- `runner`: one command at a time, with a timeout, its output into the bundle, recorded.
- `targets`: which containers belong to Quay, and reading files inside them.
- `gather`: what is read inside the Quay, PostgreSQL and Clair containers.
- `podman`, `oc`: the collection plan of each runtime.
- `health`: the /health endpoints over HTTP(S).
- `archive`: the redacted (or, on request, plain) archive.
"""
