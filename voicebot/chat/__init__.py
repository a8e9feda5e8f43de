"""The text channel: chat sessions that run the same dialog policy as a phone call."""
