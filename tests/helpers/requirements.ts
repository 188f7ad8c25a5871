/**
 * Test helpers: what a test needs from the machine (root, network namespaces, iptables, a
 * program). On a developer's machine a test whose needs are missing is skipped, saying why; in
 * CI (`CI=true`) every test must run, so there it fails instead.
 *
 * @module
 */

/** Whether this run is CI, where nothing may be skipped. */
export const IN_CI: boolean = Deno.env.get("CI") === "true";

/** A test file's needs, checked once: what `Deno.test` takes, and the check its test makes first. */
export interface Requirement {
  /** For `Deno.test`'s `ignore`: missing needs, outside CI. */
  ignore: boolean;
  /** Throws (in CI, where the test was not ignored) when a need is missing. */
  check(): void;
}

/**
 * The requirement of `file`'s test `what` (as said in errors: "the network fault test"), given why
 * it cannot run here (null: it can). Outside CI a missing need is said once, as a warning.
 */
export function requirement(file: string, what: string, unavailable: string | null): Requirement {
  if (unavailable && !IN_CI) {
    console.warn(`${file}: skipped, ${unavailable}. (In CI, CI=true, it must run.)`);
  }
  return {
    ignore: unavailable !== null && !IN_CI,
    check() {
      if (unavailable) throw new Error(`CI must run ${what}, but ${unavailable}`);
    },
  };
}
