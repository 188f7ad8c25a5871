/**
 * Test helpers: a poor network on a namespace's link (`netns.ts`), made of what this kernel has
 * (ENVIRONMENT.md: `tbf` and iptables `statistic`, no `netem`). A cap is a token bucket on the
 * namespace's end of the pair, so it shapes what the namespace sends (its uplink) with a real
 * queue in front: packets wait up to {@linkcode QUEUE_MS} and are dropped beyond, as in a home
 * router. Loss is iptables dropping a random share of the UDP packets (the media; the signaling's
 * TCP goes on) where they arrive: those for the namespace in its INPUT chain, those from it in the
 * host's (a chain of the link's own). Dropping them as they leave would not do: a packet dropped
 * in the sender's own OUTPUT chain fails its `send()`, so the sender knows, unlike a loss on the
 * way.
 *
 * @module
 */
import type { NamespaceLink } from "./netns.ts";

/** How long a packet may wait in the capped uplink's queue before it is dropped. */
export const QUEUE_MS = 200;

/** What a condition does to the link. */
export interface LinkCondition {
  /** The uplink's rate, kbit/s; absent: not capped. */
  uplinkKbit?: number;
  /** Share of UDP packets dropped each way, 0..1; absent: none. */
  loss?: number;
}

/** Why `tc` or iptables cannot shape a link here, or null when both are there. */
export async function conditionsUnavailable(): Promise<string | null> {
  for (const [program, args] of [["tc", ["-V"]], ["iptables", ["--version"]]] as const) {
    try {
      if ((await new Deno.Command(program, { args: [...args] }).output()).success) continue;
    } catch {
      // Reported below.
    }
    return `${program} is missing (apt-get install -y iproute2 iptables)`;
  }
  return null;
}

/** Caps what the namespace sends at `kbit` kbit/s (again: changes the rate in place). */
export async function capUplink(link: NamespaceLink, kbit: number): Promise<void> {
  // The bucket holds one full packet, as a line's own rate does: no burst goes faster than the
  // rate (a larger bucket would let a short burst through at once, and a sender's bandwidth
  // probe would measure a link faster than it is).
  await link.exec(
    "tc",
    ..."qdisc replace dev".split(" "),
    link.namespaceInterface,
    ..."root tbf rate".split(" "),
    `${kbit}kbit`,
    "burst",
    "1600",
    "latency",
    `${QUEUE_MS}ms`,
  );
}

/** Lifts the cap (nothing when there is none). */
export async function liftCap(link: NamespaceLink): Promise<void> {
  await link.exec("tc", "qdisc", "replace", "dev", link.namespaceInterface, "root", "pfifo_fast");
}

const lossRule = (probability: number) => [
  ..."-p udp -m statistic --mode random --probability".split(" "),
  String(probability),
  "-j",
  "DROP",
];

/** The host's chain for what arrives from the namespace. */
const hostChain = (link: NamespaceLink) => `${link.name}-loss`;

async function hostIptables(...args: string[]): Promise<boolean> {
  const { success } = await new Deno.Command("iptables", { args, stderr: "null" }).output();
  return success;
}

/** Drops a random `probability` of the UDP packets into and out of the namespace. */
export async function loseUdp(link: NamespaceLink, probability: number): Promise<void> {
  await stopLoss(link);
  await link.exec("iptables", "-A", "INPUT", ...lossRule(probability));
  const chain = hostChain(link);
  await hostIptables("-N", chain);
  const from = ["-s", link.namespaceAddress];
  if (!await hostIptables("-A", chain, ...from, ...lossRule(probability))) {
    throw new Error(`iptables could not add the host's loss rule in ${chain}`);
  }
  await hostIptables("-I", "INPUT", "-j", chain);
}

/** Stops every loss rule: the namespace's INPUT chain is emptied, the host's chain removed. */
export async function stopLoss(link: NamespaceLink): Promise<void> {
  await link.exec("iptables", "-F", "INPUT");
  const chain = hostChain(link);
  while (await hostIptables("-D", "INPUT", "-j", chain)) {
    // Every jump to it, should an earlier run have left one.
  }
  await hostIptables("-F", chain);
  await hostIptables("-X", chain);
}

/** Puts `condition` on the link, replacing any other. */
export async function applyCondition(link: NamespaceLink, condition: LinkCondition): Promise<void> {
  if (condition.uplinkKbit) await capUplink(link, condition.uplinkKbit);
  else await liftCap(link);
  if (condition.loss) await loseUdp(link, condition.loss);
  else await stopLoss(link);
}

/** A clean link again. */
export function clearCondition(link: NamespaceLink): Promise<void> {
  return applyCondition(link, {});
}
