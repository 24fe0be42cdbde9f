"""Synthetic cases of the volume detector: a surge building over hours, a clock change."""
