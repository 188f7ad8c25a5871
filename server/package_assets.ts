/**
 * Files the client loads at run time straight from npm packages, as the packages ship them:
 * RNNoise compiled to WebAssembly (noise suppression) and MediaPipe's selfie segmentation (its
 * loader, WebAssembly and model, for background blur). The build copies them into dist/vendor/
 * under names that carry their hash, and tells the client where they went (`PARLEY_ASSETS`), so
 * nothing is fetched from anywhere but this server.
 *
 * @module
 */
import { contentHash } from "./site.ts";

/** Where the copies go, under dist/. */
export const VENDOR_DIR = "vendor";

/**
 * Each file by the name the client asks for (MediaPipe's `locateFile` names), and where it is in
 * node_modules. Only SIMD WebAssembly: every browser Parley supports has it (the client checks,
 * and says so where one does not), and the landscape model (256×144): cheaper than the square one.
 */
export const PACKAGE_FILES: Readonly<Record<string, string>> = {
  "rnnoise.wasm": "@jitsi/rnnoise-wasm/dist/rnnoise.wasm",
  // A Closure bundle meant for a script tag: it defines `SelfieSegmentation` on the page.
  "selfie_segmentation.js": "@mediapipe/selfie_segmentation/selfie_segmentation.js",
  "selfie_segmentation.binarypb": "@mediapipe/selfie_segmentation/selfie_segmentation.binarypb",
  "selfie_segmentation_landscape.tflite":
    "@mediapipe/selfie_segmentation/selfie_segmentation_landscape.tflite",
  "selfie_segmentation_solution_simd_wasm_bin.js":
    "@mediapipe/selfie_segmentation/selfie_segmentation_solution_simd_wasm_bin.js",
  "selfie_segmentation_solution_simd_wasm_bin.wasm":
    "@mediapipe/selfie_segmentation/selfie_segmentation_solution_simd_wasm_bin.wasm",
};

/** The copied files: by URL path their bytes, and by requested name their URL path. */
export interface PackageAssets {
  files: Map<string, Uint8Array<ArrayBuffer>>;
  urls: Record<string, string>;
}

/** Reads {@linkcode PACKAGE_FILES} from `root`'s node_modules and names their copies. */
export async function readPackageAssets(root: string): Promise<PackageAssets> {
  const files = new Map<string, Uint8Array<ArrayBuffer>>();
  const urls: Record<string, string> = {};
  for (const [name, source] of Object.entries(PACKAGE_FILES)) {
    let body: Uint8Array<ArrayBuffer>;
    try {
      body = await Deno.readFile(`${root}node_modules/${source}`);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      throw new Error(`node_modules/${source} is missing: run \`deno install\``);
    }
    const dot = name.indexOf(".");
    const path = `/${VENDOR_DIR}/${name.slice(0, dot)}-${contentHash(body).slice(0, 10)}${
      name.slice(dot)
    }`;
    files.set(path, body);
    urls[name] = path;
  }
  return { files, urls };
}
