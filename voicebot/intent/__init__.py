"""The intent engine shared by the text chat and the voice pipeline."""
