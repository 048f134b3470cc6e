#!/usr/bin/env python3
"""Independent MFCC reference for the Swift front end (numpy only).

Implements from scratch the parameters documented in docs/avmnist.md (the
librosa conventions: centred frames with zero padding, periodic Hann window
centred in the FFT frame, power spectrum, Slaney mel filters with area
normalisation, power_to_db(ref=1, amin=1e-10, top_db=80), orthonormal DCT-II),
in float64. Reads a PCM16 mono WAV with the standard `wave` module and writes
the coefficients as text, one row per coefficient.

usage: mfcc_reference.py INPUT.wav OUTPUT.txt [--n-fft 1024 --win 800 --hop 400
       --mels 40 --coefficients 20 --frames 20]
"""
import argparse
import sys
import wave

try:
    import numpy as np
except ImportError:
    sys.stderr.write("mfcc_reference.py needs numpy (python3 -m pip install numpy)\n")
    sys.exit(3)


def hz_to_mel(hz):
    hz = np.asarray(hz, dtype=np.float64)
    linear = hz / (200.0 / 3)
    log_part = 15.0 + np.log(np.maximum(hz, 1e-12) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(hz < 1000.0, linear, log_part)


def mel_to_hz(mel):
    mel = np.asarray(mel, dtype=np.float64)
    linear = mel * (200.0 / 3)
    log_part = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0))
    return np.where(mel < 15.0, linear, log_part)


def mel_filters(rate, n_fft, n_mels):
    bin_hz = np.arange(n_fft // 2 + 1) * rate / n_fft
    edges = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(rate / 2.0), n_mels + 2))
    filters = np.zeros((n_mels, bin_hz.size))
    for band in range(n_mels):
        left, centre, right = edges[band], edges[band + 1], edges[band + 2]
        rising = (bin_hz - left) / (centre - left)
        falling = (right - bin_hz) / (right - centre)
        filters[band] = np.maximum(0.0, np.minimum(rising, falling)) * (2.0 / (right - left))
    return filters


def mfcc(signal, rate, n_fft, win, hop, n_mels, n_coeff, n_frames):
    padded = np.concatenate([np.zeros(n_fft // 2), signal, np.zeros(n_fft // 2)])
    frames = min(1 + len(signal) // hop, n_frames)
    window = np.zeros(n_fft)
    offset = (n_fft - win) // 2
    window[offset:offset + win] = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(win) / win)
    # Direct DFT matrix product, not numpy.fft, to stay independent of the FFT under test.
    k = np.arange(n_fft // 2 + 1)[:, None]
    n = np.arange(n_fft)[None, :]
    dft = np.exp(-2j * np.pi * k * n / n_fft)
    power = np.empty((n_fft // 2 + 1, frames))
    for t in range(frames):
        spectrum = dft @ (padded[t * hop:t * hop + n_fft] * window)
        power[:, t] = np.abs(spectrum) ** 2
    mel = mel_filters(rate, n_fft, n_mels) @ power
    db = 10.0 * np.log10(np.maximum(mel, 1e-10))
    db = np.maximum(db, db.max() - 80.0)
    basis = np.cos(np.pi * np.arange(n_coeff)[:, None] * (2 * np.arange(n_mels)[None, :] + 1) / (2 * n_mels))
    basis *= np.sqrt(2.0 / n_mels)
    basis[0] *= np.sqrt(0.5)
    out = np.zeros((n_coeff, n_frames))
    out[:, :frames] = basis @ db
    return out


def read_wav(path):
    with wave.open(path, "rb") as handle:
        if handle.getsampwidth() != 2:
            raise SystemExit(f"{path}: reference reader handles 16-bit PCM only")
        raw = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2").astype(np.float64)
        channels = handle.getnchannels()
        rate = handle.getframerate()
    return raw.reshape(-1, channels).mean(axis=1) / 32768.0, rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--n-fft", type=int, default=1024)
    parser.add_argument("--win", type=int, default=800)
    parser.add_argument("--hop", type=int, default=400)
    parser.add_argument("--mels", type=int, default=40)
    parser.add_argument("--coefficients", type=int, default=20)
    parser.add_argument("--frames", type=int, default=20)
    args = parser.parse_args()
    signal, rate = read_wav(args.input)
    result = mfcc(signal, rate, args.n_fft, args.win, args.hop, args.mels, args.coefficients, args.frames)
    np.savetxt(args.output, result, fmt="%.9g")


if __name__ == "__main__":
    main()
