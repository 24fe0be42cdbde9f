"""Charts of what an alert or an entity looked like: data read from the store, drawn as PNG."""
