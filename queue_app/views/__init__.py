"""The read model: the one place that turns rows and records into what goes on the wire (the API, the
screens, the console, the publisher). Reads only; nothing here writes."""
