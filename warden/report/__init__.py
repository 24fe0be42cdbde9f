"""Digests: period statistics per entity and its competitors, rendered as HTML and text
(on demand by `warden report`, by e-mail on a schedule)."""
