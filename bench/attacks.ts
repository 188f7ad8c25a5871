/**
 * Cheap requests against the honest call beside them: an honest pair relays a candidate every
 * 50 ms, first with nobody else about, then while an attacker sends requests that are cheap to send
 * and were once dear to answer (2,000 empty headers each: 100–340 ms of server CPU before issue
 * #24, which pushed every call's relay p95 to 0.5–1.3 s at 4–10 a second). Quiet and attacked
 * windows alternate eight times, so a burst of other work on the machine hits both; the figure is
 * the ratio of the pair's p95 during the attack to its p95 without it, in the same run. The attacker
 * is a process of its own; the first attack, ordinary requests at the same rate, is the control.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
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
  /** The machine's load average (1 minute) when it ended: the noise both kinds of window met. */
  loadAverage?: number;
  /** When it ran (a part merged into the committed results keeps its own time). */
  date?: string;
}

/**
 * Quiet and attacked windows, alternating: a burst of the machine's other work meets both. Each
 * window is a quarter of a signaling run's, so each kind gets twice a signaling run in all (about
 * 300 relays in a full run: the p95 is the 15th slowest, not the 2nd).
 */
const ROUNDS = 8;

/**
 * The attacks: a name, a rate, and the raw request. The first is the control: as many ordinary
 * requests (a browser's 20 headers), what any visitor costs.
 */
const ATTACKS = [
  { name: "ordinary requests (control)", perSecond: 10, headers: 20 },
  { name: "2,000 empty headers", perSecond: 10, headers: 2000 },
];

/** Runs every attack against a fresh Parley, twice `s.durationMs` quiet and as long attacked. */
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
      const windowMs = s.durationMs / 4;
      await using attacker = new Attacker(server.url, attack);
      await attacker.ready();
      for (let round = 0; round < ROUNDS; round++) {
        quiet.push(...(await measureRelays(pair, sleep(windowMs))).latencies);
        const flood = attacker.window(windowMs);
        attacked.push(...(await measureRelays(pair, flood)).latencies);
        for (const [status, n] of Object.entries(await flood)) {
          answers[status] = (answers[status] ?? 0) + n;
        }
      }
      const run = {
        name: attack.name,
        perSecond: attack.perSecond,
        answers,
        quietMs: summarize(quiet),
        attackedMs: summarize(attacked),
        loadAverage: round(Deno.loadavg()[0], 2),
        date: new Date().toISOString(),
      };
      runs.push(run);
      log(
        `  ${attack.name}, ${attack.perSecond}/s: honest p95 ${run.attackedMs.p95} ms vs ` +
          `${run.quietMs.p95} ms quiet (${round(run.attackedMs.p95 / run.quietMs.p95, 2)}×; ` +
          `${round(run.attackedMs.p95 / runs[0].attackedMs.p95, 2)}× the control's), ` +
          `answers ${JSON.stringify(answers)}`,
      );
    }
  }
  return runs;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The attacker, a process of its own (bench/request_flood.ts) started once and idle between its
 * windows, so that neither its own work nor its start is done beside the honest pair's timing.
 */
class Attacker implements AsyncDisposable {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #lines: AsyncIterator<string>;

  constructor(url: string, attack: { headers: number; perSecond: number }) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: [
        ...["run", "--allow-net", fileURLToPath(new URL("request_flood.ts", import.meta.url))],
        ...[url, String(attack.headers), String(attack.perSecond)],
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#lines = lines(this.#child.stdout)[Symbol.asyncIterator]();
  }

  /** Resolves once the attacker is waiting for its first window. */
  async ready(): Promise<void> {
    const { value } = await this.#lines.next();
    if (value !== "ready") throw new Error(`the attacker said ${value}`);
  }

  /** One window of `ms`: resolves with how the server answered. */
  async window(ms: number): Promise<Record<string, number>> {
    await this.#writer.write(new TextEncoder().encode(`${ms}\n`));
    const { value } = await this.#lines.next();
    return JSON.parse(value ?? "{}");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#writer.close().catch(() => {});
    await this.#child.status;
  }
}

/** The lines of `stream`. */
async function* lines(stream: ReadableStream<Uint8Array<ArrayBuffer>>): AsyncGenerator<string> {
  let pending = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    pending += text;
    const parts = pending.split("\n");
    pending = parts.pop()!;
    yield* parts;
  }
}
