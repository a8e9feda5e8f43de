"""The call front end's low-latency pieces: the streaming FIR resampler and the early
barge-in trigger (Onset). Time is the frame timestamp."""

import numpy as np
import pytest

from voicebot.audio.endpoint import BargeInConfig, Onset, OnsetDetector
from voicebot.audio.frontend import AudioFrontEnd, FirResampler
from voicebot.frames import AudioFrame, SpeechStarted


def tone(freq: float, n: int, rate: int, amp: float = 8000.0) -> np.ndarray:
    return (amp * np.sin(2 * np.pi * freq * np.arange(n) / rate)).astype(np.int16)


@pytest.mark.parametrize(("src", "dst"), [(8000, 16000), (48000, 16000)])
def test_fir_resampler_gives_every_frame_its_output_at_once(src: int, dst: int) -> None:
    rs = FirResampler(src, dst)
    step = src // 50
    x = tone(1000, src, src)
    outs = [rs.push(x[i : i + step]) for i in range(0, len(x), step)]
    assert {len(o) for o in outs} == {dst // 50}  # no block buffering: 20 ms in, 20 ms out
    y = np.concatenate(outs).astype(np.float64)
    steady = y[dst // 10 :]
    assert np.sqrt((steady**2).mean()) == pytest.approx(8000 / np.sqrt(2), rel=0.02)  # passband gain 1
    impulse = np.zeros(step * 5, np.int16)
    impulse[step] = 20000
    rs = FirResampler(src, dst)
    out = np.concatenate([rs.push(impulse[i : i + step]) for i in range(0, len(impulse), step)])
    peak = int(np.argmax(np.abs(out)))
    assert (peak - step * dst // src) / dst < 0.005  # delayed < 5 ms


def test_fir_resampler_rejects_images_above_the_telephone_band() -> None:
    rs = FirResampler(8000, 16000)
    x = tone(3000, 8000, 8000)
    y = np.concatenate([rs.push(x[i : i + 160]) for i in range(0, len(x), 160)]).astype(np.float64)[1600:]
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    freqs = np.fft.rfftfreq(len(y), 1 / 16000)
    image = spec[(freqs > 4800) & (freqs < 5200)].max()  # 8000 - 3000 Hz
    assert 20 * np.log10(image / spec.max()) < -60


def test_onset_after_two_loud_voiced_frames_only() -> None:
    det = OnsetDetector(BargeInConfig(frames=2, min_dbfs=-45.0, above_noise_db=15.0))
    for i in range(20):  # line noise at -60 dBFS
        assert det.push(-60.0, False, i * 0.02) is None
    assert det.push(-30.0, True, 0.42) is None
    assert det.push(-30.0, True, 0.44) == Onset(0.44)
    assert det.push(-30.0, True, 0.46) is None  # once per burst
    assert det.push(-70.0, False, 0.48) is None
    assert det.push(-48.0, True, 0.50) is None and det.push(-48.0, True, 0.52) is None  # too quiet


def test_onset_follows_the_callers_noise_floor() -> None:
    det = OnsetDetector()
    for i in range(200):  # a noisy line: -38 dBFS hiss the VAD calls non-speech
        det.push(-38.0, False, i * 0.02)
    assert det.noise_dbfs == pytest.approx(-38.0, abs=1.0)
    assert det.push(-30.0, True, 4.0) is None and det.push(-30.0, True, 4.02) is None  # only 8 dB over the hiss
    assert det.push(-20.0, True, 4.04) is None and det.push(-20.0, True, 4.06) == Onset(4.06)


def test_front_end_sends_onset_before_the_debounced_turn_start() -> None:
    fe = AudioFrontEnd(8000)
    t = np.arange(8000) / 8000
    voiced = (8000 * np.sin(2 * np.pi * 200 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))).astype(np.int16)
    pcm = np.concatenate([np.zeros(4000, np.int16), voiced, np.zeros(8000, np.int16)])
    events = []
    for i in range(0, len(pcm), 160):
        events += fe.push(AudioFrame(pcm[i : i + 160], 8000, i / 8000))
    onset = next(e for e in events if isinstance(e, Onset))
    started = next(e for e in events if isinstance(e, SpeechStarted))
    assert events.index(onset) < events.index(started)
    assert onset.t == pytest.approx(0.54, abs=0.021)  # speech at 0.50: two 20 ms frames
    assert started.t - onset.t == pytest.approx(0.02, abs=0.001)  # the debounce needs a third frame
