"""Use cases: a Session and plain values in, a result and events out. The caller commits, then publishes."""
