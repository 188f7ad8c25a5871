/**
 * Where the build put the files the effects load at run time (server/package_assets.ts, and the
 * noise filter's worklet bundle): `PARLEY_ASSETS`, filled in by the build.
 *
 * @module
 */

/** Filled in by the build; not defined outside one (type checks, tests of other modules). */
declare const PARLEY_ASSETS: Record<string, string>;

/** The URL of `name` (a file name a package asks for, or `noise_worklet.js`) on this server. */
export function assetUrl(name: string): string {
  const url = typeof PARLEY_ASSETS === "undefined" ? undefined : PARLEY_ASSETS[name];
  if (!url) throw new Error(`the build did not provide ${name}`);
  return url;
}
