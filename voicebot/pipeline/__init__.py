"""Pipeline plumbing: bounded channels, owned tasks, and the call session that wires stages."""
