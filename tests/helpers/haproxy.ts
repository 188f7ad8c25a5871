/**
 * Test helpers: HAProxy running deploy/haproxy.cfg (the file docs/deploy.md shows, unchanged) in front
 * of two Parley instances, on a free port of 127.0.0.1 or in a network namespace.
 *
 * @module
 */
import { spawnChild } from "./process.ts";
import { freePort } from "./redis.ts";
import { ROOT_DIR, type RunningServer } from "./server.ts";

/** A running HAProxy. */
export interface LoadBalancer {
  /** Origin clients use, e.g. `http://127.0.0.1:41234`. */
  url: string;
  output(): string;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Why haproxy cannot run here, or null when it can. */
export async function haproxyUnavailable(): Promise<string | null> {
  try {
    await new Deno.Command("haproxy", { args: ["-v"], stdout: "null" }).output();
    return null;
  } catch {
    return "haproxy is not installed (apt-get install -y haproxy)";
  }
}

/** Where HAProxy runs when not on a free port of 127.0.0.1 in this namespace. */
export interface HaproxyPlace {
  /** The network namespace to run it in. */
  namespace: string;
  /** `PARLEY_LISTEN`, e.g. `:80`. */
  listen: string;
  /** Asks `/readyz` through it (from a namespace that reaches it): true when 200. */
  ready(): Promise<boolean>;
  /** Origin clients use. */
  url: string;
}

/**
 * Starts HAProxy with deploy/haproxy.cfg in front of instances `a` and `b` (the same instance
 * twice is fine), on a free port of 127.0.0.1 or at `place`.
 */
export async function startHaproxy(
  a: Pick<RunningServer, "url">,
  b: Pick<RunningServer, "url">,
  place?: HaproxyPlace,
): Promise<LoadBalancer> {
  const port = freePort();
  const args = ["-f", `${ROOT_DIR}deploy/haproxy.cfg`, "-db"];
  const env = {
    PARLEY_LISTEN: place?.listen ?? `127.0.0.1:${port}`,
    PARLEY_A: new URL(a.url).host,
    PARLEY_B: new URL(b.url).host,
  };
  const child = place
    ? spawnChild("ip", ["netns", "exec", place.namespace, "haproxy", ...args], { env })
    : spawnChild("haproxy", args, { env });
  let exited = false;
  child.exited.then(() => (exited = true));
  const stop = () => child.terminate("SIGKILL");
  const output = child.output;
  const url = place?.url ?? `http://127.0.0.1:${port}`;
  const ready = place?.ready ?? (() =>
    fetch(`${url}/readyz`).then(
      (r) => r.body?.cancel().then(() => r.ok) ?? r.ok,
      () => false,
    ));
  // Ready once both instances passed their health checks (rise 2, inter 1 s).
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await ready();
    if (ok) break;
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`haproxy did not start: ${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, output, stop, [Symbol.asyncDispose]: stop };
}
