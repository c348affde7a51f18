"""Forced alignment of a person's recording to a synthetic "guide" reading of the same text.

The guide's sentence times are exact (the build joins its sentences itself); the recording's are
not known. Both are turned into MFCC frames, dynamic time warping (librosa.sequence.dtw) pairs
the guide's frames with the recording's, and each guide boundary is carried through that path
(the method of aeneas). A boundary is then moved into the recording's nearest pause when one is
close: a pause between sentences is where a cut belongs, and the pause is sharper evidence than
the warping path, which is only as fine as a frame and blurs when the two voices differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from audioguide.audio.pcm import Pcm, resample, to_float

FEATURE_RATE = 16000  # speech MFCCs need nothing above 8 kHz
HOP_S = 0.02
N_MFCC = 13
# The memory limit: one DTW pass up to MAX_CELLS frame pairs (4M: 80 MB in librosa's three
# N x M arrays, about 40 s of guide against 40 s of recording), else WINDOW_S of guide at a time
# (measured peak 25-50 MB for 36-55 s narrations, 80 MB for 5.5 min, mostly the spectrogram),
# so that a small server aligning a long narration needs tens of MB, not gigabytes.
MAX_CELLS = 4_000_000
WINDOW_S = 20.0
# A recording outside this ratio of the guide's speech is not a reading of the same text.
MIN_RATIO, MAX_RATIO = 0.4, 2.5
# Pauses: frames this far above the noise floor (share of the floor-to-speech range, in dB) are
# speech; a pause is a run of quiet frames at least PAUSE_S long (stop consonants last < 0.1 s).
PAUSE_S = 0.12
SNAP_S = 0.4  # a pause this close to a mapped boundary takes it
EDGE_MARGIN_S = 0.03  # as the build's trim keeps before a sentence's first sound
MIN_SENTENCE_S = 0.2


# A narration read in this many words a minute is plausible: calm memorial reading runs about
# 120-160, a brisk one 180-200; outside 80-220 the file is most likely not this text (another
# take, a truncated export, minutes of silence).
PLAUSIBLE_WPM = (80.0, 220.0)


def words_per_minute_plausible(text_words: int, seconds: float) -> bool:
    """Whether a recording of `seconds` can be a reading of a text of `text_words` words."""
    if text_words <= 0 or seconds <= 0:
        return False
    low, high = PLAUSIBLE_WPM
    return low <= text_words * 60 / seconds <= high


class AlignmentError(ValueError):
    """The recording cannot be aligned to the text (wrong file, far too short or long, silent)."""


@dataclass(frozen=True)
class _Frames:
    mfcc: np.ndarray  # (frames, N_MFCC), normalized
    level_db: np.ndarray  # (frames,)


def align_sentences(
    recording: Pcm, guide: Pcm, guide_spans: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    """Each sentence's (start, end) in `recording`, given its (start, end) in `guide`.

    Raises AlignmentError when the input cannot be aligned meaningfully. The result is ordered
    and non-overlapping, every sentence at least MIN_SENTENCE_S long.
    """
    _check_spans(guide_spans, guide.seconds)
    rec = _frames(recording)
    gui = _frames(guide)
    rec_speech = _speech_frames(rec.level_db)
    gui_speech = _speech_frames(gui.level_db)
    if rec_speech.sum() < 0.5 / HOP_S:
        raise AlignmentError("the recording has no speech (under 0.5 s above its noise floor)")
    ratio = rec_speech.sum() / max(1, gui_speech.sum())
    if not MIN_RATIO <= ratio <= MAX_RATIO:
        raise AlignmentError(
            f"the recording has {rec_speech.sum() * HOP_S:.1f} s of speech where the text takes about"
            f" {gui_speech.sum() * HOP_S:.1f} s: it does not look like a reading of this text"
        )
    # Crop to the speech, keeping a little of the silence around it on both sides: leading room
    # noise would otherwise be warped onto the first word.
    pad = int(0.3 / HOP_S)
    first, last = _bounds(rec_speech)
    r0, r1 = max(0, first - pad), min(len(rec_speech), last + 1 + pad)
    g_first, g_last = _bounds(gui_speech)
    g0, g1 = max(0, g_first - pad), min(len(gui_speech), g_last + 1 + pad)
    mapping = _warp(gui.mfcc[g0:g1], rec.mfcc[r0:r1])  # guide frame -> recording frame (float)

    def carry(seconds: float) -> float:
        frame = np.clip(seconds / HOP_S - g0, 0, len(mapping) - 1)
        return float((np.interp(frame, np.arange(len(mapping)), mapping) + r0) * HOP_S)

    mapped = [(carry(start), carry(end)) for start, end in guide_spans]
    pauses = _pauses(rec_speech)
    return _tidy(_snap(mapped, pauses), recording.seconds)


def join_sentences(sentences: list[Pcm], gaps_s: list[float]) -> tuple[Pcm, list[tuple[float, float]]]:
    """Sentences joined with the silence before each (as the build joins them): the guide, and
    each sentence's (start, end) in it. All sentences must share one sample rate."""
    if not sentences or len(gaps_s) != len(sentences):
        raise ValueError("one gap per sentence")
    rate = sentences[0].sample_rate
    pieces: list[np.ndarray] = []
    spans: list[tuple[float, float]] = []
    position = 0
    for pcm, gap in zip(sentences, gaps_s, strict=True):
        if pcm.sample_rate != rate:
            raise ValueError("the sentences have different sample rates")
        pieces.append(np.zeros(round(gap * rate), np.int16))
        position += len(pieces[-1])
        spans.append((position / rate, (position + len(pcm.samples)) / rate))
        pieces.append(pcm.samples)
        position += len(pcm.samples)
    return Pcm(np.concatenate(pieces), rate), spans


def _check_spans(spans: list[tuple[float, float]], seconds: float) -> None:
    if not spans:
        raise AlignmentError("no sentences to align")
    previous = 0.0
    for index, (start, end) in enumerate(spans, 1):
        if not previous - 1e-6 <= start < end <= seconds + 1e-3:
            raise AlignmentError(f"guide sentence {index} has impossible times {start:.3f}-{end:.3f}")
        previous = end


def _frames(pcm: Pcm) -> _Frames:
    import librosa

    samples = to_float(resample(pcm, FEATURE_RATE).samples)
    hop = int(HOP_S * FEATURE_RATE)
    # 25 ms windows, 40 mel bands up to 7.6 kHz: the usual speech front end.
    mel = librosa.feature.melspectrogram(
        y=samples, sr=FEATURE_RATE, n_fft=512, win_length=400, hop_length=hop, n_mels=40, fmax=7600
    )
    log_mel = librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=None)
    mfcc = librosa.feature.mfcc(S=log_mel, n_mfcc=N_MFCC + 1)[1:]  # c0 is loudness: not the words
    # Cepstral mean and variance normalization: a different microphone, room or voice shifts every
    # coefficient by a constant; removing it per file is what makes two speakers comparable.
    mfcc = (mfcc - mfcc.mean(axis=1, keepdims=True)) / (mfcc.std(axis=1, keepdims=True) + 1e-6)
    power = mel.sum(axis=0)
    level_db = 10 * np.log10(np.maximum(power, 1e-10))
    return _Frames(np.ascontiguousarray(mfcc.T, dtype=np.float64), level_db)


def _speech_frames(level_db: np.ndarray) -> np.ndarray:
    """Frames louder than the noise floor by a share of the speech's range (robust to room noise)."""
    floor = np.percentile(level_db, 5)
    loud = np.percentile(level_db, 95)
    return level_db > floor + 0.35 * (loud - floor) if loud - floor > 10 else np.zeros_like(level_db, bool)


def _bounds(mask: np.ndarray) -> tuple[int, int]:
    indices = np.flatnonzero(mask)
    return int(indices[0]), int(indices[-1])


def _warp(guide: np.ndarray, rec: np.ndarray) -> np.ndarray:
    """For each guide frame, the recording frame it is spoken at.

    librosa's DTW holds three N x M arrays (cost, accumulated cost, steps: 20 bytes a cell), so a
    pair up to MAX_CELLS is warped in one pass; longer ones window by window: WINDOW_S of guide
    against the stretch of recording it can fall in, the path's end left free, and only the
    first half of each window kept before the next starts from where that half ended. Memory is
    then bounded by one window and time grows linearly with the length. On the demo's stops
    (all past MAX_CELLS) the snapped start errors equal one pass's to the millisecond; unsnapped,
    the worst p95 went from 0.057 s to 0.066 s.
    """
    n, m = len(guide), len(rec)
    if n * m <= MAX_CELLS:
        return _mapping(_path(guide, rec, open_end=False), n)
    window = int(WINDOW_S / HOP_S)
    # The recording stretch a guide window can fall in: the overall pace, 30 % either way, and
    # 5 s more for a pause the guide does not have.
    reach = m / n * 1.3
    mapping = np.zeros(n)
    g = r = 0
    while True:
        g_end = min(n, g + window)
        r_end = min(m, r + max(g_end - g, int((g_end - g) * reach) + int(5 / HOP_S)))
        if g_end == n or r_end == m:
            # The rest: both ends fixed.
            mapping[g:] = r + _mapping(_path(guide[g:], rec[r:], open_end=False), n - g)
            break
        part = r + _mapping(_path(guide[g:g_end], rec[r:r_end], open_end=True), g_end - g)
        keep = (g_end - g) // 2
        mapping[g : g + keep] = part[:keep]
        g, r = g + keep, int(part[keep])
    return np.maximum.accumulate(mapping)


def _path(guide: np.ndarray, rec: np.ndarray, open_end: bool) -> np.ndarray:
    """The warping path as (guide frame, recording frame) pairs, in time order, from (0, 0) to
    the end of both, or with `open_end` to the best place in `rec` for the guide's end."""
    import librosa
    from scipy.spatial.distance import cdist

    # librosa's default steps and weights (every step costs its cell once) favour the diagonal,
    # which steadies the path between two voices: the symmetric weights (diagonal twice) moved
    # the demo's 95th-percentile start error from 0.05 s to 1.0 s.
    cost = cdist(guide, rec)
    if not open_end:
        _, path = librosa.sequence.dtw(C=cost)
        return path[::-1]
    # librosa's subseq=True frees the start as well, and a free start lets the path settle on a
    # few recording frames that happen to be cheap (measured: a 20 s window matched onto 2 s).
    # So the start stays pinned and the end is chosen here: least cost per row + column (per
    # cell of the longest path there, max(rows, column) instead, let short ends win: median
    # error 6 s).
    accumulated, steps = librosa.sequence.dtw(C=cost, backtrack=False, return_steps=True)
    rows, columns = cost.shape
    per_step = accumulated[-1] / (rows + np.arange(1, columns + 1))
    per_step[: int(rows * MIN_RATIO)] = np.inf
    end = int(np.argmin(per_step))
    path = librosa.sequence.dtw_backtracking(steps, subseq=True, start=end)
    return np.asarray(path)[::-1]


def _mapping(path: np.ndarray, frames: int) -> np.ndarray:
    """Guide frame -> mean of the recording frames the path pairs it with."""
    sums = np.bincount(path[:, 0], weights=path[:, 1], minlength=frames)
    counts = np.bincount(path[:, 0], minlength=frames)
    return sums / np.maximum(counts, 1)


def _pauses(speech: np.ndarray) -> list[tuple[float, float]]:
    """(start, end) seconds of each run of quiet frames at least PAUSE_S long."""
    quiet = np.concatenate(([False], ~speech, [False]))
    edges = np.flatnonzero(np.diff(quiet.astype(np.int8)))
    runs = edges.reshape(-1, 2)
    return [(a * HOP_S, b * HOP_S) for a, b in runs if (b - a) * HOP_S >= PAUSE_S]


def _snap(spans: list[tuple[float, float]], pauses: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Starts to the end of a nearby pause, ends to the start of one."""
    if not pauses:
        return spans
    ends = np.array([p[1] for p in pauses])
    starts = np.array([p[0] for p in pauses])

    def nearest(value: float, candidates: np.ndarray) -> float | None:
        index = int(np.argmin(np.abs(candidates - value)))
        return float(candidates[index]) if abs(candidates[index] - value) <= SNAP_S else None

    snapped = []
    for start, end in spans:
        onset = nearest(start, ends)
        offset = nearest(end, starts)
        snapped.append(
            (
                onset - EDGE_MARGIN_S if onset is not None else start,
                offset + EDGE_MARGIN_S if offset is not None else end,
            )
        )
    return snapped


def _tidy(spans: list[tuple[float, float]], seconds: float) -> list[tuple[float, float]]:
    """Ordered, inside the recording, no overlaps, none shorter than MIN_SENTENCE_S."""
    out: list[tuple[float, float]] = []
    previous_end = 0.0
    for start, end in spans:
        start = min(max(start, previous_end), seconds)
        end = min(max(end, start + MIN_SENTENCE_S), seconds)
        out.append((start, end))
        previous_end = end
    return out
