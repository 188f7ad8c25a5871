/**
 * The noise filter's pipeline (loaded when it is switched on): the microphone's track into an
 * AudioContext at 48 kHz, through RNNoise in an AudioWorklet (noise_worklet.ts), out as a new
 * track to send in its place. The microphone can be swapped underneath (another device) while the
 * track that goes out stays the same.
 *
 * @module
 */
import { assetUrl } from "./assets.ts";
import { NOISE_PROCESSOR, READY, STOP } from "./noise_protocol.ts";

/** RNNoise's rate: it knows no other. */
const SAMPLE_RATE = 48_000;

/** A running noise filter. */
export interface NoisePipeline {
  /** The denoised sound: send this. */
  readonly track: MediaStreamTrack;
  /** Denoise this microphone from now on (null: silence until the next one). */
  setSource(source: MediaStreamTrack | null): void;
  /** Stops the filter and its track, and lets the AudioContext go. */
  stop(): void;
}

/** Starts the filter on `source`; resolves once it runs, rejects with what went wrong. */
export async function startNoisePipeline(source: MediaStreamTrack | null): Promise<NoisePipeline> {
  const context = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: "interactive" });
  try {
    const [wasm] = await Promise.all([
      fetch(assetUrl("rnnoise.wasm")).then((response) => {
        if (!response.ok) throw new Error(`rnnoise.wasm: HTTP ${response.status}`);
        return response.arrayBuffer();
      }),
      context.audioWorklet.addModule(assetUrl("noise_worklet.js")),
    ]);
    const node = new AudioWorkletNode(context, NOISE_PROCESSOR, {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      // A stereo microphone is mixed down: RNNoise denoises one channel.
      channelCount: 1,
      channelCountMode: "explicit",
      processorOptions: { wasm },
    });
    await new Promise<void>((resolve, reject) => {
      node.port.onmessage = ({ data }) => data === READY ? resolve() : reject(new Error(data));
    });
    const destination = context.createMediaStreamDestination();
    destination.channelCount = 1;
    node.connect(destination);
    let input: MediaStreamAudioSourceNode | null = null;
    const setSource = (track: MediaStreamTrack | null) => {
      input?.disconnect();
      input = track ? context.createMediaStreamSource(new MediaStream([track])) : null;
      input?.connect(node);
    };
    setSource(source);
    await running(context);
    const track = destination.stream.getAudioTracks()[0];
    return {
      track,
      setSource,
      stop() {
        track.stop();
        input?.disconnect();
        node.port.postMessage(STOP);
        node.disconnect();
        void context.close().catch(() => {});
      },
    };
  } catch (error) {
    void context.close().catch(() => {});
    throw error;
  }
}

/**
 * Resolves once `context` runs. A page the person has not touched yet may not start sound (the
 * browser's autoplay rules): then at their next click or key.
 */
function running(context: AudioContext): Promise<void> {
  if (context.state === "running") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const events = ["pointerdown", "keydown"] as const;
    const resume = () => void context.resume().catch(() => {});
    const done = () => {
      for (const type of events) removeEventListener(type, resume, true);
      context.removeEventListener("statechange", changed);
    };
    const changed = () => {
      if (context.state === "suspended") return;
      done();
      if (context.state === "running") resolve();
      else reject(new Error("the AudioContext closed"));
    };
    context.addEventListener("statechange", changed);
    for (const type of events) addEventListener(type, resume, true);
    resume();
  });
}
