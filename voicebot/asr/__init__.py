"""Speech recognition: a `Recognizer` protocol and one adapter module per engine."""
