"""Bisecting: which release, and which commit of a library, made a benchmark slower."""
