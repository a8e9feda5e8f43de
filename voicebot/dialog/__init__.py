"""Dialplans (operator-tuned YAML) and the sans-io dialog state machine."""
