/**
 * A virtual X display (Xvfb) for a browser that needs a window: Firefox has WebGL on one (Mesa's
 * software renderer), not headless. Debian's `xvfb` package.
 *
 * @module
 */

/** A running Xvfb. */
export interface Display {
  /** The DISPLAY value, e.g. ":93". */
  name: string;
  stop(): Promise<void>;
}

/** Why Xvfb cannot run here (null: it can). */
export async function xvfbUnavailable(): Promise<string | null> {
  try {
    await Deno.stat("/usr/bin/Xvfb");
    return null;
  } catch {
    return "Xvfb is not installed (apt-get install -y xvfb)";
  }
}

/** Starts Xvfb on the first free display from :90; resolves once it takes connections. */
export async function startXvfb(): Promise<Display> {
  for (let number = 90; number < 140; number++) {
    const lock = `/tmp/.X${number}-lock`;
    if (await Deno.stat(lock).catch(() => null)) continue;
    const child = new Deno.Command("/usr/bin/Xvfb", {
      args: [`:${number}`, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const socket = `/tmp/.X11-unix/X${number}`;
    for (let i = 0; i < 100; i++) {
      if (await Deno.stat(socket).catch(() => null)) {
        return {
          name: `:${number}`,
          stop: async () => {
            try {
              child.kill("SIGTERM");
            } catch {
              // Gone already.
            }
            await child.status;
          },
        };
      }
      const exited = await Promise.race([
        child.status.then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 50)),
      ]);
      if (exited) break; // Another took the display meanwhile: try the next.
    }
    try {
      child.kill("SIGKILL");
    } catch {
      // Exited.
    }
    await child.status;
  }
  throw new Error("no free X display for Xvfb between :90 and :139");
}
