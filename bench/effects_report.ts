/**
 * The `effects` part's figures (for the targets) and its section of bench/README.md; the part
 * itself is effects.ts.
 *
 * @module
 */
import { BLUR_SECONDS, type EffectsResult } from "./effects.ts";
import { kb, ms, num, table } from "./format.ts";
import { round } from "./stats.ts";

/** The part's flat figures, by key (results.ts `figuresOf`; targets.ts reads them). */
export function effectsFigures(e: EffectsResult | undefined): Record<string, number> {
  const f: Record<string, number> = {};
  if (e?.noise) {
    f["effects.noise.quieterDb"] = round(e.noise.off.noiseDb - e.noise.on.noiseDb);
    f["effects.noise.speechChangeDb"] = round(Math.abs(e.noise.on.speechDb - e.noise.off.speechDb));
  }
  if (e?.blur) {
    f["effects.blur.off.perSecond"] = e.blur.off.framesPerSecond;
    f["effects.blur.on.perSecond"] = e.blur.on.framesPerSecond;
    if (e.blur.ratios) {
      f["effects.blur.framesRatio"] = e.blur.ratios.framesPerSecond;
      f["effects.blur.cpuPerFrameRatio"] = e.blur.ratios.cpuMsPerFrame;
      f["effects.blur.cpuRatio"] = e.blur.ratios.cpuCores;
    }
  }
  if (e?.firstVisitBytes) f["effects.firstVisitKB"] = round(e.firstVisitBytes / 1024);
  return f;
}

/** The part's section of bench/README.md. */
export function effectsSection(e: EffectsResult): string {
  const parts = [`## Noise suppression and background blur

One Chromium, two people in a Parley call on this machine; what person A sends, as person B
receives it. Each effect is measured off, then switched on mid-call from the More menu (no new
offer: the track is replaced) and measured again${
    e.ranAt
      ? ` (run ${e.ranAt.slice(0, 16).replace("T", " ")} UTC, load average ${
        num(e.loadAverage ?? 0, 2)
      } at its end: the machine was shared)`
      : ""
  }.`];
  if (e.noise) {
    const { off, on } = e.noise;
    parts.push(`**Noise suppression** (RNNoise in an AudioWorklet). A's microphone is a file made by
the bench: two sentences from \`espeak-ng\`, with 2.5 s of nothing before each, mixed by \`sox\`
with fan-like noise (pink noise, 60 Hz–5 kHz) at ${e.noise.noiseDb} dBFS. B records one loop of
it (MediaRecorder), cut into 10 ms windows lined up with the clean speech; "noise only" is the
windows at least 300 ms from any speech, "speech" those within 20 dB of its loudest.

${
      table("|noise only:|speech:|windows (noise / speech):|fit to the clean speech:", [
        [
          "off",
          `${num(off.noiseDb)} dBFS`,
          `${num(off.speechDb)} dBFS`,
          `${off.noiseWindows} / ${off.speechWindows}`,
          num(off.fit, 2),
        ],
        [
          "on",
          `${num(on.noiseDb)} dBFS`,
          `${num(on.speechDb)} dBFS`,
          `${on.noiseWindows} / ${on.speechWindows}`,
          num(on.fit, 2),
        ],
        [
          "on − off",
          `${num(on.noiseDb - off.noiseDb)} dB`,
          `${num(on.speechDb - off.speechDb)} dB`,
          "",
          "",
        ],
      ])
    }`);
  }
  if (e.blur) {
    const { off, on, ratios, pairs } = e.blur;
    const row = (name: string, r: typeof off) => [
      name,
      num(r.framesPerSecond),
      `${r.width}×${r.height}`,
      ms(r.cpuMsPerFrame),
      num(r.cpuCores, 2),
    ];
    parts.push(`**Background blur** (MediaPipe selfie segmentation, insertable streams). A's camera
is a still test pattern at 1280×720 (colour bars, a checkerboard, fine stripes), so nothing but
the blur changes it. ${
      pairs?.length ?? 1
    } pairs of ${BLUR_SECONDS} s windows, blur off then on (switched from the More menu); the
medians of the windows below, and each on window's ratio to the off window before it (the median
of the ratios: the machine is shared, and a ratio within one pair is what its load changes least).
CPU time is the whole browser's (both pages: A's capture, blur and encoding, B's decoding), per
frame A sent and per second (1 is one core). The blur draws at a smaller size when drawing a frame
takes more than a third of the time between frames; it segments the person at most 10 times a
second, for at most a fifth of one core's time, and cuts out the frames in between by the last mask.

${
      table("|frames sent/s:|size sent|browser CPU per frame:|browser CPU (cores):", [
        row("off", off),
        row("on", on),
        ...(ratios
          ? [[
            "on ÷ off",
            `${num(ratios.framesPerSecond, 2)}×`,
            "",
            `${num(ratios.cpuMsPerFrame, 2)}×`,
            `${num(ratios.cpuCores, 2)}×`,
          ]]
          : []),
      ])
    }

With blur on, ${num(e.blur.changedShare * 100)}% of the pattern's pixels (as B sees them, at
320×180) changed by more than 24 levels of 255.`);
  }
  if (e.firstVisitBytes) {
    parts.push(
      `A first visit to a room page, with both effects in the build: ${kb(e.firstVisitBytes)}
(their code, WebAssembly and models load only when an effect starts).`,
    );
  }
  if (e.errors.length) parts.push(`Failed: ${e.errors.join("; ")}.`);
  return parts.join("\n\n");
}
