"""Speech output: a `Synthesizer` protocol and one adapter module per engine."""
