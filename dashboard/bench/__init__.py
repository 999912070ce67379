"""Benchmarks: they measure and print, they never fail a build (see README)."""
