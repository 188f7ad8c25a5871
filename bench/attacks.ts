/**
 * Cheap requests against the honest call beside them: an honest pair relays a candidate every
 * 50 ms, first with nobody else about, then while an attacker sends requests that are cheap to send
 * and were once dear to answer (2,000 empty headers each: 100–340 ms of server CPU before issue
 * #24, which pushed every call's relay p95 to 0.5–1.3 s at 4–10 a second). Quiet and attacked
 * windows alternate four times, so a burst of other work on the machine hits both; the figure is
 * the ratio of the pair's p95 during the attack to its p95 without it, in the same run.
 *
 * @module
 */
import { ClientGroup } from "../tests/helpers/server.ts";
import { honestPair, measureRelays } from "../tests/helpers/hostile.ts";
import type { Settings } from "./results.ts";
import { startTarget } from "./servers.ts";
import { round, summarize, type Summary } from "./stats.ts";

/** One attack's figures. */
export interface AttackRun {
  name: string;
  /** Attack requests a second, and how the server answered them (status → count). */
  perSecond: number;
  answers: Record<string, number>;
  /** The honest pair's relay times without the attack and during it. */
  quietMs: Summary;
  attackedMs: Summary;
}

/** Quiet and attacked windows, alternating: a burst of the machine's other work meets both. */
const ROUNDS = 4;

/** GET /healthz with `count` headers besides Host. */
const withHeaders = (count: number) =>
  "GET /healthz HTTP/1.1\r\nHost: localhost\r\n" +
  Array.from({ length: count }, (_, i) => `X-${i}: \r\n`).join("") + "\r\n";

/**
 * The attacks: a name, a rate, and the raw request. The first is the control: as many ordinary
 * requests (a browser's 20 headers), what any visitor costs.
 */
const ATTACKS = [
  { name: "ordinary requests (control)", perSecond: 10, request: withHeaders(20) },
  { name: "2,000 empty headers", perSecond: 10, request: withHeaders(2000) },
];

/** Runs every attack against a fresh Parley, `s.durationMs` quiet and as long attacked. */
export async function runAttacks(s: Settings, log: (line: string) => void): Promise<AttackRun[]> {
  const runs: AttackRun[] = [];
  for (const attack of ATTACKS) {
    await using server = await startTarget("parley");
    await using clients = new ClientGroup(server.url);
    {
      const pair = await honestPair(clients);
      const quiet: number[] = [];
      const attacked: number[] = [];
      const answers: Record<string, number> = {};
      const windowMs = s.durationMs / ROUNDS;
      for (let round = 0; round < ROUNDS; round++) {
        quiet.push(...(await measureRelays(pair, sleep(windowMs))).latencies);
        const flood = send(server.url, attack.request, attack.perSecond, windowMs, answers);
        attacked.push(...(await measureRelays(pair, flood)).latencies);
      }
      const run = {
        name: attack.name,
        perSecond: attack.perSecond,
        answers,
        quietMs: summarize(quiet),
        attackedMs: summarize(attacked),
      };
      runs.push(run);
      log(
        `  ${attack.name}, ${attack.perSecond}/s: honest p95 ${run.attackedMs.p95} ms vs ` +
          `${run.quietMs.p95} ms quiet (${round(run.attackedMs.p95 / run.quietMs.p95, 2)}×), ` +
          `answers ${JSON.stringify(answers)}`,
      );
    }
  }
  return runs;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends `request` on a new connection `perSecond` times a second for `ms`; counts the answers. */
async function send(
  url: string,
  request: string,
  perSecond: number,
  ms: number,
  answers: Record<string, number>,
): Promise<void> {
  const { hostname, port } = new URL(url);
  const bytes = new TextEncoder().encode(request);
  const sent: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; performance.now() - started < ms; i++) {
    sent.push((async () => {
      const conn = await Deno.connect({ hostname, port: Number(port) });
      try {
        await conn.write(bytes);
        const buffer = new Uint8Array(64);
        const n = await conn.read(buffer);
        const status = n ? new TextDecoder().decode(buffer.subarray(9, 12)) : "closed";
        answers[status] = (answers[status] ?? 0) + 1;
      } catch {
        answers.error = (answers.error ?? 0) + 1;
      } finally {
        conn.close();
      }
    })());
    await sleep(Math.max(0, started + ((i + 1) * 1000) / perSecond - performance.now()));
  }
  await Promise.all(sent);
}
