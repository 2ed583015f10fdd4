"""Artifact kinds: where each lives in a bundle, how to recognize it, and how to parse it."""
