"""Pure detection functions: a series or a batch of mentions in, a decision out; no I/O."""
