/**
 * Person segmentation with MediaPipe's selfie segmentation (`@mediapipe/selfie_segmentation`): its
 * loader, WebAssembly and landscape model come from this server (server/package_assets.ts). It
 * takes a small picture and paints, into a canvas of the same size, where the person is (opaque)
 * and where the background is (transparent).
 *
 * @module
 */
import type {
  Results,
  SelfieSegmentation as Solution,
  SelfieSegmentationConfig,
} from "@mediapipe/selfie_segmentation";
import { assetUrl } from "./assets.ts";

/**
 * The model's own input size (the landscape model: 256×144). Pictures are drawn at this size
 * before they are handed over, so MediaPipe scales nothing itself.
 */
export const MODEL_WIDTH = 256;
export const MODEL_HEIGHT = 144;

/** A running segmentation. */
export interface Segmenter {
  /** The last mask: the person opaque, the rest transparent; MODEL_WIDTH × MODEL_HEIGHT. */
  readonly mask: HTMLCanvasElement;
  /** Segments `picture` (MODEL_WIDTH × MODEL_HEIGHT) into {@linkcode mask}. */
  segment(picture: CanvasImageSource): Promise<void>;
  close(): void;
}

/** The package's class, which its script puts on the page rather than exporting it. */
type SolutionClass = new (config?: SelfieSegmentationConfig) => Solution;

let loaded: Promise<SolutionClass> | null = null;

/** Runs the package's script (once), as the script tag it was written for. */
function loadSolution(): Promise<SolutionClass> {
  loaded ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = assetUrl("selfie_segmentation.js");
    script.onload = () => {
      const found = (globalThis as { SelfieSegmentation?: SolutionClass }).SelfieSegmentation;
      if (found) resolve(found);
      else reject(new Error("selfie_segmentation.js defined no SelfieSegmentation"));
    };
    script.onerror = () => reject(new Error("selfie_segmentation.js did not load"));
    document.head.append(script);
  });
  loaded.catch(() => (loaded = null));
  return loaded;
}

/** Loads the model and its runtime; resolves once it can segment. */
export async function createSegmenter(): Promise<Segmenter> {
  const SelfieSegmentation = await loadSolution();
  const solution = new SelfieSegmentation({ locateFile: (name) => assetUrl(name) });
  // The landscape model; inference on the CPU (XNNPACK), which on machines without a GPU is many
  // times faster than through WebGL and on others about as fast for a model this small.
  solution.setOptions(
    {
      modelSelection: 1,
      selfieMode: false,
      useCpuInference: true,
    } as Parameters<Solution["setOptions"]>[0],
  );
  const mask = document.createElement("canvas");
  mask.width = MODEL_WIDTH;
  mask.height = MODEL_HEIGHT;
  const context = mask.getContext("2d")!;
  solution.onResults((results: Results) => {
    context.globalCompositeOperation = "copy";
    context.drawImage(results.segmentationMask, 0, 0, MODEL_WIDTH, MODEL_HEIGHT);
    // Each result is a new bitmap: let it go now rather than when the garbage is collected.
    for (const bitmap of [results.segmentationMask, results.image]) {
      if (typeof ImageBitmap !== "undefined" && bitmap instanceof ImageBitmap) bitmap.close();
    }
  });
  await solution.initialize();
  // MediaPipe's solution takes canvas elements (not bitmaps, not offscreen canvases).
  const input = Object.assign(document.createElement("canvas"), {
    width: MODEL_WIDTH,
    height: MODEL_HEIGHT,
  });
  const inputContext = input.getContext("2d")!;
  return {
    mask,
    segment: (picture) => {
      inputContext.drawImage(picture, 0, 0, MODEL_WIDTH, MODEL_HEIGHT);
      return solution.send({ image: input });
    },
    close: () => void solution.close().catch(() => {}),
  };
}
