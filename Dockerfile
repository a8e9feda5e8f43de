# voicebot gateway: HTTP API + SIP (pjsua2) in one image.
#
#   docker build -t voicebot .
#   docker run --network host -v $PWD/models:/app/models voicebot serve --sip-host 0.0.0.0 --http-host 0.0.0.0
#
# Default build: the pjsua2-python wheel from PyPI (4 concurrent calls per process; scale with
# `serve --workers N` behind Kamailio, see docs/sip.md).
# `--build-arg PJSIP_FROM_SOURCE=1` compiles pjproject with higher call limits instead
# (needs network access to fetch pjproject; PJSIP_MAX_CALLS sets the per-process limit).
# NOTE: this Dockerfile has not been built by the project's CI (no Docker engine there).

ARG PYTHON=3.11

FROM python:${PYTHON}-slim-bookworm AS pjsip
ARG PJSIP_FROM_SOURCE=0
ARG PJSIP_VERSION=2.15.1
ARG PJSIP_MAX_CALLS=256
RUN mkdir -p /wheels /pjlibs && if [ "$PJSIP_FROM_SOURCE" = "1" ]; then \
      set -eux; \
      apt-get update && apt-get install -y --no-install-recommends build-essential swig curl ca-certificates \
        libssl-dev python3-dev && rm -rf /var/lib/apt/lists/*; \
      curl -fsSL "https://github.com/pjsip/pjproject/archive/refs/tags/${PJSIP_VERSION}.tar.gz" | tar xz -C /tmp; \
      cd /tmp/pjproject-${PJSIP_VERSION}; \
      printf '#define PJSUA_MAX_CALLS %s\n#define PJSUA_MAX_ACC 8\n#define PJ_IOQUEUE_MAX_HANDLES 1024\n#define PJSUA_MAX_CONF_PORTS (2*PJSUA_MAX_CALLS+8)\n#define PJMEDIA_CONF_USE_SWITCH_BOARD 0\n#define PJMEDIA_HAS_VIDEO 0\n' \
        "$PJSIP_MAX_CALLS" > pjlib/include/pj/config_site.h; \
      CFLAGS="-O2 -fPIC" ./configure --disable-video --disable-sound --enable-shared --disable-libwebrtc; \
      make dep && make -j"$(nproc)" && make install && cp -a /usr/local/lib/libpj* /pjlibs/ 2>/dev/null || true; \
      cd pjsip-apps/src/swig/python && make && pip wheel --no-deps -w /wheels .; \
    fi

FROM python:${PYTHON}-slim-bookworm
ENV PYTHONUNBUFFERED=1 VOICEBOT_MODELS=/app/models VOICEBOT_DATABASE_URL=sqlite:////data/voicebot.db
RUN apt-get update && apt-get install -y --no-install-recommends espeak-ng sox \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=pjsip /wheels /wheels
COPY --from=pjsip /pjlibs/ /usr/local/lib/
COPY pyproject.toml README.md ./
COPY voicebot ./voicebot
COPY dialplans ./dialplans
COPY audio_prompts ./audio_prompts
COPY models/README.md ./models/README.md
RUN ldconfig && if ls /wheels/*.whl >/dev/null 2>&1; then pip install --no-cache-dir /wheels/*.whl; fi \
    && pip install --no-cache-dir . && rm -rf /wheels
VOLUME ["/app/models", "/data"]
EXPOSE 5060/udp 5060/tcp 8080/tcp
ENTRYPOINT ["voicebot"]
CMD ["serve", "--sip-host", "0.0.0.0", "--http-host", "0.0.0.0"]
