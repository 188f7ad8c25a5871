/**
 * A noisy microphone made here, and how to judge what the other side hears of it: two sentences
 * spoken by espeak-ng, with stretches of nothing between them, mixed by sox with fan-like noise
 * (pink noise, 60 Hz to 5 kHz) at a known level, as a WAV file Chromium plays as its fake
 * microphone (`--use-file-for-fake-audio-capture`, looping). What the other side receives is
 * recorded in its page and cut into 10 ms windows; lined up with the clean speech (the loop's
 * position is found by correlating the two), each window is speech, noise only, or neither (near
 * an edge), so the level of each can be compared with noise suppression on and off.
 *
 * Needs `espeak-ng` and `sox` (Debian packages of those names).
 *
 * @module
 */
import type { Page } from "puppeteer-core";

/** The two sentences, at 160 words a minute. */
const SENTENCES = [
  "Can you hear me well? The fan here is really loud today.",
  "Let us meet again on Monday and go over the plan together.",
];
/** Seconds of noise alone before each sentence. */
const GAP_SECONDS = 2.5;
/** The speech's peak level (dBFS): its RMS while speaking is about 18 dB lower. */
const SPEECH_PEAK_DB = -3;
/** The noise's level (dBFS RMS), throughout. */
export const NOISE_DB = -38;
/** Sample rate of the file (RNNoise's, and WebRTC's). */
const RATE = 48_000;
/** Window of the levels, in samples (10 ms). */
export const WINDOW = 480;
/** Windows this close to speech (300 ms) count as neither speech nor noise only. */
const EDGE_WINDOWS = 30;

/** The made signal. */
export interface NoisySpeech {
  /** The WAV file to play as the microphone: speech and noise. */
  file: string;
  /** Length of one loop, in windows. */
  windows: number;
  /** Each window's power (mean square) in the clean speech. */
  speech: Float64Array;
  /** Each window of the loop: "speech" (speaking), "noise" (noise alone), or null (near an edge). */
  labels: ("speech" | "noise" | null)[];
}

async function run(command: string, args: string[]): Promise<string> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" }).output();
  } catch (error) {
    throw new Error(`${command} could not run (${error}): apt-get install -y espeak-ng sox`);
  }
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  if (!output.success) throw new Error(`${command} ${args.join(" ")} failed: ${text}`);
  return text;
}

/** Whether espeak-ng and sox are here (null), or what is missing. */
export async function noisySpeechUnavailable(): Promise<string | null> {
  for (const [command, flag] of [["espeak-ng", "--version"], ["sox", "--version"]]) {
    try {
      const { success } = await new Deno.Command(command, {
        args: [flag],
        stdout: "null",
        stderr: "null",
      }).output();
      if (!success) return `${command} does not run`;
    } catch {
      return `${command} is not installed (apt-get install -y espeak-ng sox)`;
    }
  }
  return null;
}

/** Makes the signal in `dir` (the same bytes every time: sox's repeatable mode). */
export async function makeNoisySpeech(dir: string): Promise<NoisySpeech> {
  const parts: string[] = [];
  for (const [i, sentence] of SENTENCES.entries()) {
    await run("espeak-ng", ["-v", "en-us", "-s", "160", "-w", `${dir}/said${i}.wav`, sentence]);
    const part = `${dir}/part${i}.wav`;
    // 48 kHz, the peak at SPEECH_PEAK_DB, after GAP_SECONDS of silence.
    await run("sox", [
      `${dir}/said${i}.wav`,
      "-r",
      `${RATE}`,
      "-b",
      "16",
      part,
      "norm",
      `${SPEECH_PEAK_DB}`,
      "pad",
      `${GAP_SECONDS}`,
      "0",
    ]);
    parts.push(part);
  }
  const speechFile = `${dir}/speech.wav`;
  await run("sox", [...parts, speechFile]);
  const seconds = (await run("soxi", ["-D", speechFile])).trim();
  const rawNoise = `${dir}/noise-raw.wav`;
  await run("sox", [
    "-R",
    "-n",
    "-r",
    `${RATE}`,
    "-b",
    "16",
    "-c",
    "1",
    rawNoise,
    "synth",
    seconds,
    "pinknoise",
    "highpass",
    "60",
    "lowpass",
    "5000",
  ]);
  const level = /RMS lev dB\s+(-?[\d.]+)/.exec(await run("sox", [rawNoise, "-n", "stats"]));
  if (!level) throw new Error("sox stats gave no RMS level");
  const noiseFile = `${dir}/noise.wav`;
  await run("sox", [rawNoise, noiseFile, "gain", `${(NOISE_DB - Number(level[1])).toFixed(2)}`]);
  const file = `${dir}/noisy-speech.wav`;
  await run("sox", ["-m", "-v", "1", speechFile, "-v", "1", noiseFile, file]);

  const speech = windowPowers(await readWav(speechFile));
  const peak = Math.max(...speech);
  const speaking = speech.map((p) => (p > peak / 1000 ? 1 : 0)); // within 30 dB of the loudest
  const labels = Array.from(speech, (p, i) => {
    if (p > peak / 100) return "speech" as const; // within 20 dB of the loudest: speaking
    for (let d = -EDGE_WINDOWS; d <= EDGE_WINDOWS; d++) {
      if (speaking[(i + d + speech.length) % speech.length]) return null;
    }
    return "noise" as const;
  });
  return { file, windows: speech.length, speech, labels };
}

/** The 16-bit mono samples of a WAV file sox wrote, as -1 to 1. */
async function readWav(path: string): Promise<Float32Array> {
  const bytes = await Deno.readFile(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = new TextDecoder().decode(bytes.subarray(at, at + 4));
    const size = view.getUint32(at + 4, true);
    if (id === "data") {
      const samples = new Float32Array(size / 2);
      for (let i = 0; i < samples.length; i++) {
        samples[i] = view.getInt16(at + 8 + 2 * i, true) / 32768;
      }
      return samples;
    }
    at += 8 + size + (size % 2);
  }
  throw new Error(`${path} has no data chunk`);
}

/** Mean square of each whole {@linkcode WINDOW} of `samples`. */
export function windowPowers(samples: Float32Array): Float64Array {
  const powers = new Float64Array(Math.floor(samples.length / WINDOW));
  for (let w = 0; w < powers.length; w++) {
    let sum = 0;
    for (let i = w * WINDOW; i < (w + 1) * WINDOW; i++) sum += samples[i] * samples[i];
    powers[w] = sum / WINDOW;
  }
  return powers;
}

/** Power as decibels relative to full scale (a full-scale sine is -3). */
export function decibels(power: number): number {
  return 10 * Math.log10(Math.max(power, 1e-12));
}

/** What the other side heard, judged against the signal. */
export interface HeardLevels {
  /** Mean level of the windows of noise alone, dBFS. */
  noiseDb: number;
  /** Mean level of the windows of speech, dBFS. */
  speechDb: number;
  /** Windows of each kind that were judged. */
  noiseWindows: number;
  speechWindows: number;
  /** How well what was heard lines up with the clean speech (mean correlation of its stretches). */
  fit: number;
}

/** Each stretch of this many windows (2 s) is lined up on its own... */
const STRETCH = 200;
/** ...within this many windows (400 ms) of where the stretch before it lay. */
const DRIFT = 40;

/**
 * Lines `heard` (window powers of what the other side received) up with `signal`'s loop and
 * measures the level of its speech windows and of its noise-only windows. The whole is lined up
 * first, then each two-second stretch on its own near there: a loaded machine's audio may drop
 * a few milliseconds here and there, and what follows a drop is that much earlier.
 */
export function judge(signal: NoisySpeech, heard: Float64Array): HeardLevels {
  const floor = -80;
  const levels = (values: ArrayLike<number>) => {
    const db = Array.from(values, (p) => Math.max(decibels(p), floor));
    const mean = db.reduce((a, b) => a + b, 0) / db.length;
    return db.map((v) => v - mean);
  };
  const reference = levels(signal.speech);
  const received = levels(heard);
  const n = signal.windows;
  /** Correlation of received[from, to) with the reference `lag` windows on. */
  const fitAt = (lag: number, from: number, to: number) => {
    let sum = 0;
    let a = 0;
    let b = 0;
    for (let i = from; i < to; i++) {
      const r = reference[(((i + lag) % n) + n) % n];
      sum += received[i] * r;
      a += received[i] * received[i];
      b += r * r;
    }
    return sum / Math.sqrt(a * b || 1);
  };
  let whole = { lag: 0, fit: -Infinity };
  for (let lag = 0; lag < n; lag++) {
    const fit = fitAt(lag, 0, received.length);
    if (fit > whole.fit) whole = { lag, fit };
  }
  const lags = new Int32Array(received.length).fill(whole.lag);
  let lag = whole.lag;
  let fits = 0;
  let stretches = 0;
  for (let from = 0; from < received.length; from += STRETCH) {
    const to = Math.min(received.length, from + STRETCH);
    let best = { lag, fit: -Infinity };
    for (let d = -DRIFT; d <= DRIFT; d++) {
      const fit = fitAt(lag + d, from, to);
      if (fit > best.fit) best = { lag: lag + d, fit };
    }
    // A stretch of noise alone says nothing of where it lies: keep the lag before it.
    if (best.fit > 0.5) lag = best.lag;
    lags.fill(lag, from, to);
    fits += Math.max(best.fit, 0);
    stretches++;
  }
  const sums = { speech: 0, noise: 0 };
  const counts = { speech: 0, noise: 0 };
  heard.forEach((power, i) => {
    const label = signal.labels[(((i + lags[i]) % n) + n) % n];
    if (!label) return;
    sums[label] += power;
    counts[label]++;
  });
  return {
    noiseDb: decibels(sums.noise / counts.noise),
    speechDb: decibels(sums.speech / counts.speech),
    noiseWindows: counts.noise,
    speechWindows: counts.speech,
    fit: fits / stretches,
  };
}

/**
 * Records `seconds` of the sound of `selector`'s stream (default the other person's video) in
 * `page`, and returns its {@linkcode WINDOW} powers: MediaRecorder, then decoded at 48 kHz.
 */
export async function recordHeard(
  page: Page,
  seconds: number,
  selector = "#remote-video",
): Promise<Float64Array> {
  const powers = await page.evaluate(
    async (sel: string, ms: number, window: number) => {
      const video = document.querySelector(sel) as HTMLVideoElement;
      const stream = video.srcObject as MediaStream;
      const recorder = new MediaRecorder(new MediaStream(stream.getAudioTracks()), {
        mimeType: "audio/webm;codecs=opus",
        audioBitsPerSecond: 128_000,
      });
      const chunks: Blob[] = [];
      recorder.ondataavailable = (event) => chunks.push(event.data);
      const stopped = new Promise((resolve) => (recorder.onstop = resolve));
      recorder.start();
      await new Promise((resolve) => setTimeout(resolve, ms));
      recorder.stop();
      await stopped;
      const context = new OfflineAudioContext(1, 48_000, 48_000);
      const audio = await context.decodeAudioData(await new Blob(chunks).arrayBuffer());
      const samples = audio.getChannelData(0);
      const result: number[] = [];
      for (let w = 0; (w + 1) * window <= samples.length; w++) {
        let sum = 0;
        for (let i = w * window; i < (w + 1) * window; i++) sum += samples[i] * samples[i];
        result.push(sum / window);
      }
      return result;
    },
    selector,
    seconds * 1000,
    WINDOW,
  );
  return Float64Array.from(powers);
}
