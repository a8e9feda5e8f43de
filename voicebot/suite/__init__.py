"""Testers' replay suites: recorded calls with expectations, replayed offline or over SIP, with reports."""
