"""Reproducible benchmarks: tessera vs the pinned Better Auth reference (see ``bench/README.md``)."""
