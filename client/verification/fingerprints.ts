/**
 * The certificates a session description names, and the refusal of one that names more than one:
 * small and free of the code's word list, so the peer connection checks every description it is
 * given before applying it (`client/effects/peer_connection.ts`).
 *
 * @module
 */

/**
 * The distinct certificate fingerprints a description names (its `a=fingerprint` lines, at
 * session and media level), normalized ("sha-256 AB:CD:…"). A browser's own description names
 * one certificate, often once per media section.
 */
export function descriptionFingerprints(sdp: string): string[] {
  const named = new Set<string>();
  // Every line that may be read as a fingerprint counts, however it is spaced or cased: a line
  // this parser skipped but a browser accepted would be a way around the refusal below.
  for (const match of sdp.matchAll(/^\s*a\s*=\s*fingerprint\s*:(.*)$/gim)) {
    const [algorithm = "", value = ""] = match[1].trim().split(/\s+/);
    named.add(`${algorithm.toLowerCase()} ${value.toUpperCase()}`);
  }
  return [...named];
}

/**
 * Why a description from the other side cannot be verified, or null when it can: one naming more
 * than one certificate is refused before it is applied. Browsers differ in which line they check
 * the other side's certificate against (Firefox took the first), so with two, the words could be
 * computed from a certificate that is not the one in use: a forger's free pass.
 */
export function unverifiableDescription(sdp: string): string | null {
  const named = descriptionFingerprints(sdp);
  return named.length > 1
    ? `this connection cannot be verified: the other side's description names ${named.length} certificates`
    : null;
}
