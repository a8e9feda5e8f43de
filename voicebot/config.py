"""Typed settings. This module is the only reader of environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else default


def _optional_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else None


@dataclass(frozen=True)
class Settings:
    models_dir: Path = field(default_factory=lambda: _env_path("VOICEBOT_MODELS", REPO_ROOT / "models"))
    cache_dir: Path = field(
        default_factory=lambda: _env_path(
            "VOICEBOT_CACHE", Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "voicebot"
        )
    )
    dialplans_dir: Path = field(default_factory=lambda: _env_path("VOICEBOT_DIALPLANS", REPO_ROOT / "dialplans"))
    prompts_dir: Path = field(default_factory=lambda: _env_path("VOICEBOT_PROMPTS", REPO_ROOT / "audio_prompts"))
    database_url: str = field(
        default_factory=lambda: os.environ.get("VOICEBOT_DATABASE_URL", "sqlite:///voicebot.db")
    )
    # call records queued while the database is unavailable (default: beside an SQLite file, else ./voicebot-spool)
    spool_dir: Path | None = field(default_factory=lambda: _optional_path("VOICEBOT_SPOOL_DIR"))
    # a recognition that takes longer is a stalled engine: the caller is transferred (reason technical)
    asr_timeout_s: float = field(default_factory=lambda: float(os.environ.get("VOICEBOT_ASR_TIMEOUT_S", "10")))
    # the ASR's CPU kernels (voicebot/asr/numerics.py): "pinned" gives the same transcript on any
    # machine, "native" the fastest; unset: replay pins, serve does not
    asr_kernels: str = field(default_factory=lambda: os.environ.get("VOICEBOT_ASR_KERNELS", ""))
    asr_threads: int = field(default_factory=lambda: int(os.environ.get("VOICEBOT_ASR_THREADS", "2")))
    # A shared ASR service (`voicebot asr-serve`, Wyoming tcp://host:port) that replaces the
    # in-process default Whisper model; `serve --workers N` sets it for its workers.
    asr_service_url: str | None = field(default_factory=lambda: os.environ.get("VOICEBOT_ASR_SERVICE") or None)
    intent_url: str | None = field(default_factory=lambda: os.environ.get("VOICEBOT_INTENT_URL") or None)
    # replay --timing fixed: the compute time charged per recognition and per synthesis
    replay_asr_ms: float = field(default_factory=lambda: float(os.environ.get("VOICEBOT_REPLAY_ASR_MS", "400")))
    replay_tts_ms: float = field(default_factory=lambda: float(os.environ.get("VOICEBOT_REPLAY_TTS_MS", "50")))
    # record mode: calls to dialplans with recording consent are saved here as regression cases
    record_dir: Path | None = field(default_factory=lambda: _optional_path("VOICEBOT_RECORD_DIR"))
    # SIP jitter-buffer prefetch in ms; raise it for lossy WAN links
    sip_jitter_ms: int = field(default_factory=lambda: int(os.environ.get("VOICEBOT_SIP_JITTER_MS", "40")))
    # barge-in timing trace (bench/barge_in.py): per-frame times into the call log
    sip_trace: bool = field(default_factory=lambda: os.environ.get("VOICEBOT_SIP_TRACE") == "1")
    # operators' console: bearer tokens "token:role[:kommune],…" (roles viewer|operator|agent), or a file of them
    api_tokens: str = field(default_factory=lambda: os.environ.get("VOICEBOT_API_TOKENS", ""))
    api_tokens_file: Path | None = field(default_factory=lambda: _optional_path("VOICEBOT_API_TOKENS_FILE"))
    # signs session cookies and the agent's per-call link; random per process when unset
    secret: str = field(default_factory=lambda: os.environ.get("VOICEBOT_SECRET", ""))
    # the base URL of the console as agents reach it (the REFER's X-Voicebot-Url)
    public_url: str = field(default_factory=lambda: os.environ.get("VOICEBOT_PUBLIC_URL", ""))
    # the token this machine's own clients (replay --over-sip) send to a gateway's API
    api_token: str = field(default_factory=lambda: os.environ.get("VOICEBOT_API_TOKEN", ""))
    metrics_public: bool = field(default_factory=lambda: os.environ.get("VOICEBOT_METRICS_PUBLIC", "1") != "0")
    # HTTP hardening (voicebot/api/limits.py): body cap in bytes, time per request, CORS origins (none by default)
    http_max_body: int = field(default_factory=lambda: int(os.environ.get("VOICEBOT_HTTP_MAX_BODY", str(64 * 1024))))
    http_timeout_s: float = field(default_factory=lambda: float(os.environ.get("VOICEBOT_HTTP_TIMEOUT_S", "30")))
    cors_origins: tuple[str, ...] = field(
        default_factory=lambda: tuple(o for o in os.environ.get("VOICEBOT_CORS_ORIGINS", "").split(",") if o.strip())
    )
    # browser calls: the local SIP port from which a caller who asks for a person is bridged to the
    # dialplan's agent queue (0 = no agent bridge: the transfer fails and the page offers a call back)
    webrtc_agent_sip_port: int = field(
        default_factory=lambda: int(os.environ.get("VOICEBOT_WEBRTC_AGENT_SIP_PORT", "0"))
    )


def load_settings() -> Settings:
    return Settings()


def secret(name: str) -> str | None:
    """A credential from the environment, by the name a dialplan gives (e.g. its `api_key_env`)."""
    return os.environ.get(name) or None
