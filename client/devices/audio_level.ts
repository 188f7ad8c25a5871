/**
 * How loud a stream is right now, read through Web Audio: the pre-join microphone meter and the
 * "is speaking" ring around the other person's picture. One AudioContext for the page.
 *
 * @module
 */

let shared: AudioContext | null = null;

/** The page's AudioContext, made on first use and resumed after a click (autoplay rules). */
export function audioContext(): AudioContext | null {
  if (shared) return shared;
  try {
    shared = new AudioContext();
  } catch {
    return null; // No Web Audio: no meter, no chimes; the call works without.
  }
  const resume = () => void shared?.resume();
  addEventListener("pointerdown", resume, { once: true });
  addEventListener("keydown", resume, { once: true });
  return shared;
}

/** A running level reading; `stop` lets the stream go. */
export interface LevelReader {
  /** From 0 (silence) to 1 (loud). */
  level(): number;
  stop(): void;
}

/** Reads the level of `stream`'s audio, or null when it has none (or no Web Audio). */
export function readLevel(stream: MediaStream): LevelReader | null {
  const audio = audioContext();
  if (!audio || stream.getAudioTracks().length === 0) return null;
  const source = audio.createMediaStreamSource(stream);
  const analyser = audio.createAnalyser();
  analyser.fftSize = 1024;
  source.connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  return {
    level() {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const sample of samples) sum += sample * sample;
      // Speech sits around 0.02-0.2 RMS: scaled so that a normal voice fills most of the meter.
      return Math.min(1, Math.sqrt(sum / samples.length) * 5);
    },
    stop() {
      source.disconnect();
    },
  };
}

/** A short two-note chime: rising when someone arrives, falling when they leave. */
export function chime(rising: boolean): void {
  const audio = audioContext();
  if (!audio || audio.state !== "running") return;
  const notes = rising ? [660, 880] : [660, 440];
  notes.forEach((frequency, i) => {
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    const start = audio.currentTime + i * 0.15;
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.15, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.14);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start(start);
    oscillator.stop(start + 0.15);
  });
}
