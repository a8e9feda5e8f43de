"""Clients for speech engines that run as services: Wyoming (TCP) and OpenAI-compatible HTTP.

- `breaker`: a circuit breaker, so a dead server costs one timeout and not one per turn;
- `retry`: bounded retries with backoff, only for idempotent requests;
- `pool`: a bounded pool of open connections;
- `wyoming`: the Wyoming wire protocol over a blocking socket (one JSON header line, data, payload);
- `remote`: `RemoteEngine`, which puts the four together and raises `EngineError` on failure.

Clients are blocking: the call pipeline runs engines in worker threads, never on the loop.
"""
