"""Mention sources: one module per platform, sharing HTTP, normalisation and de-duplication.

How a mention gets in:

- `settings`: the typed `sources:` entries of config.yaml, one class per `type:`.
- `registry.build_source(settings)`: the adapter of one entry; `is_polled` tells push sources
  (webhook) from polled ones.
- An adapter's `poll(state, http, clock)` (contract in `base`) fetches through `http`
  (retries, back-off, Retry-After, conditional GETs, size cap), turns each item into a
  `MentionDraft` with `drafting.make_draft` (the one normaliser: `normalize`, `language`) and
  returns the drafts with the cursor to remember. Newest-first search APIs page with `paging`.
- `poller.poll_source` runs one poll: lock, back-off, tags entities (`warden.entities`), stores
  through `ingest` / `warden.store.mentions` (de-duplicated by source + id and by URL) and
  records the source's health, which `health.read_health` reports.
- Pushed mentions (`webhook`) arrive through `warden.web` and the same `ingest` path.
"""
