"""The browser call's audio pieces without a network: sink queue, paced track, caller resampling."""

from __future__ import annotations

import asyncio

import av
import numpy as np

from voicebot.clock import MonotonicClock
from voicebot.transports.webrtc.media import BotAudioTrack, CallerAudio, WebRtcSink


def test_sink_queues_20ms_frames_and_flush_cuts_at_once() -> None:
    sink = WebRtcSink(MonotonicClock())
    tone = (3000 * np.sin(np.arange(48000) / 10)).astype(np.int16)  # 1 s
    start, end = sink.play(tone[:47500], 0.0)  # padded up to a whole frame
    assert len(sink.out) == 50 and all(len(f) == 960 for f in sink.out)
    assert abs((end - start) - 1.0) < 1e-9
    start2, _ = sink.play(tone, 0.0)
    assert start2 >= end - 0.01  # queued behind the first
    sink.flush(0.5)
    assert not sink.out and sink.flushes == [0.5]
    assert not sink.next_frame().any()  # silence when empty


def test_track_sends_queued_audio_then_silence_paced_at_20ms() -> None:
    async def run() -> tuple[list[av.AudioFrame], float]:
        clock = MonotonicClock()
        sink = WebRtcSink(clock)
        sink.play(np.full(960 * 5, 1000, np.int16), clock.now())
        track = BotAudioTrack(sink)
        t0 = clock.now()
        frames = [await track.recv() for _ in range(15)]
        return frames, clock.now() - t0

    frames, took = asyncio.run(run())
    levels = [int(np.abs(f.to_ndarray()).max()) for f in frames]
    assert levels[:5] == [1000] * 5 and levels[5:] == [0] * 10
    assert [f.pts for f in frames] == [i * 960 for i in range(15)]
    assert all(f.sample_rate == 48000 and f.samples == 960 for f in frames)
    assert took >= 14 * 0.02 - 0.005  # paced, not as fast as possible


def test_caller_audio_stereo_48k_becomes_16k_mono() -> None:
    convert = CallerAudio(16000)
    t = np.arange(960 * 50) / 48000
    tone = (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    out = []
    for i in range(50):
        chunk = tone[i * 960 : (i + 1) * 960]
        stereo = np.stack([chunk, chunk]).T.reshape(1, -1)  # packed s16 stereo
        frame = av.AudioFrame.from_ndarray(stereo, format="s16", layout="stereo")
        frame.sample_rate = 48000
        out.append(convert.convert(frame))
    pcm = np.concatenate(out)
    assert pcm.dtype == np.int16 and abs(len(pcm) - 16000) <= 64
    rms = float(np.sqrt(np.mean(pcm[1000:].astype(np.float64) ** 2)))
    assert 4500 < rms < 6500  # a 8000-peak sine keeps its level (~5657 RMS)
    spectrum = np.abs(np.fft.rfft(pcm[1000:9000]))
    assert abs(np.argmax(spectrum) * 16000 / 8000 - 440) < 5
