"""Pure, synchronous audio code. No I/O, no clock: time is passed in."""
