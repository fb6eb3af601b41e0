"""Socket.IO: namespaces (authentication in on_connect, rooms) and the one publisher that emits."""
