"""Warden: a crisis early-warning daemon for e-reputation.

Data flows one way, each hand-off through the database:
source → store → score → detect → alert → notify.
"""

__version__ = "0.1.0"
