/**
 * The Stately inspector, as a bundle of its own (`?inspect` loads it; see client/main.ts). Built
 * apart from the call page, so the page's own code is not split into chunks it shares with it.
 *
 * @module
 */
export { createBrowserInspector } from "@statelyai/inspect";
