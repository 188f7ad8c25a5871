/**
 * The simulated internet's cases that need the client to act on what the server says (held back
 * until the client does; move this file to tests/browser/ then):
 *
 * - the join acknowledgement's `iceTransportPolicy` ("relay" from `ICE_TRANSPORT_POLICY=relay`)
 *   is used by both peer connections;
 * - a checkbox "Hide my network address" on the pre-join screen (offered only where the server
 *   does not relay every call already) makes this person's call relay-only; the other person
 *   does nothing;
 * - with no path (symmetric routers, no relay) both people are told within 10 s of the second
 *   Join, on the card that ends the call, that this server has no relay; a relay that refuses
 *   Parley's credentials is said too.
 *
 *   deno test --allow-all tests/browser/internet_client_test.ts
 *
 * Needs root, iptables, coturn and nginx, like internet_test.ts; fails instead of skipping in CI.
 */
import assert from "node:assert/strict";
import type { Page } from "puppeteer-core";
import {
  BROWSER_TEST,
  byRole,
  clickButton,
  hasRole,
  pressJoin,
  waitForAlert,
  waitForStatus,
} from "../helpers/browser.ts";
import {
  describePair,
  internetUnavailable,
  SERVER_ADDRESS,
  STUN_ENV,
} from "../helpers/internet.ts";
import { type Call, isRelayed, PARLEY, printPages, World } from "../helpers/internet_world.ts";
import { requirement } from "../helpers/requirements.ts";

/** The bound: told within 10 s of the second Join, not after ICE's own 30 s. */
const TOLD_WITHIN_MS = 10_000;

const needs = requirement(
  "internet_client_test.ts",
  "the internet test",
  await internetUnavailable(),
);

Deno.test({
  name: "Relay-only privacy and 'no path' on a simulated internet",
  ignore: needs.ignore,
  ...BROWSER_TEST,
  fn: async (t) => {
    needs.check();
    await using world = await World.create();
    const { internet, turn } = world;

    await t.step(
      "ICE_TRANSPORT_POLICY=relay: relayed on both sides, no address learned",
      async () => {
        // Routers through which a direct call would work: only the policy keeps it relayed.
        await internet.setNat("open");
        await using _parley = await world.parley({
          ...STUN_ENV,
          ...turn.env,
          ICE_TRANSPORT_POLICY: "relay",
        });
        const call = await world.call(PARLEY, async ([a]) => {
          await waitForStatus(a.page, "Ready to join");
          assert.equal(
            await hasRole(a.page, "checkbox", HIDE_ADDRESS),
            false,
            "hiding the address is not offered where every call is relayed anyway",
          );
        });
        for (const [i, pair] of call.pairs.entries()) {
          assert.equal(
            pair.local.candidateType,
            "relay",
            `${call.names[i]}: ${describePair(pair)}`,
          );
        }
        learnsOnlyTheRelay(call, [0, 1]);
      },
    );

    await t.step("'Hide my network address' ticked by A alone: A's call is relayed", async () => {
      await internet.setNat("open");
      await using _parley = await world.parley({ ...STUN_ENV, ...turn.env });
      const call = await world.call(PARLEY, async ([a, b]) => {
        assert.equal(await checked(a.page), false, "the box starts unticked");
        assert.equal(await checked(b.page), false, "the box starts unticked");
        await clickButton(a.page, HIDE_ADDRESS, { role: "checkbox" });
        assert.equal(await checked(a.page), true, "A ticked it");
      });
      const [ofA, ofB] = call.pairs;
      assert.equal(
        ofA.local.candidateType,
        "relay",
        `A sends through the relay: ${describePair(ofA)}`,
      );
      assert.ok(isRelayed(ofB), `B's pair is relayed too: ${describePair(ofB)}`);
      // B never learns where A is: every address B was given for A is the relay's.
      learnsOnlyTheRelay(call, [1]);
    });

    await t.step(
      "symmetric routers, no relay: both told within 10 s that there is none",
      async () => {
        await internet.setNat("symmetric");
        await using _parley = await world.parley(STUN_ENV);
        await using visit = await world.visit(PARLEY);
        const [a, b] = visit.users;
        try {
          await pressJoin(a.page);
          await pressJoin(b.page);
          const joined = performance.now();
          const told = await Promise.all(visit.users.map(async (user) => {
            const text = await waitForAlert(user.page, /no relay/i, { timeoutMs: TOLD_WITHIN_MS });
            return { ms: Math.round(performance.now() - joined), text };
          }));
          console.log(
            `  no path: A told after ${told[0].ms} ms, B after ${told[1].ms} ms: "${told[0].text}"`,
          );
          for (const { ms } of told) assert.ok(ms <= TOLD_WITHIN_MS, `told after ${ms} ms`);
        } catch (error) {
          await printPages(visit.users);
          throw error;
        }
      },
    );

    await t.step("a relay that refuses Parley's credentials is said so", async () => {
      await internet.setNat("symmetric");
      await using _parley = await world.parley({
        ...STUN_ENV,
        ...turn.env,
        TURN_SECRET: "not-the-relays-secret",
      });
      await using visit = await world.visit(PARLEY);
      const [a, b] = visit.users;
      try {
        await pressJoin(a.page);
        await pressJoin(b.page);
        await Promise.all(
          visit.users.map((user) =>
            waitForAlert(user.page, /relay.*(refus|credential)|(refus|credential).*relay/i, {
              timeoutMs: TOLD_WITHIN_MS,
            })
          ),
        );
      } catch (error) {
        await printPages(visit.users);
        throw error;
      }
    });

    /** Asserts that the sides `which` of `call` were given no address but the relay's. */
    function learnsOnlyTheRelay(call: Call, which: number[]): void {
      for (const i of which) {
        const seen = call.remoteCandidates[i];
        assert.ok(seen.length > 0, `${call.names[i]} knows some remote candidate`);
        assert.deepEqual(
          seen.filter((candidate) => candidate.address !== SERVER_ADDRESS),
          [],
          `${call.names[i]} learned only the relay's address (${SERVER_ADDRESS})`,
        );
      }
    }
  },
});

/** The pre-join checkbox that sends the call through the relay. */
const HIDE_ADDRESS = /^Hide my network address/;

/** Whether the pre-join "Hide my network address" box is ticked. */
async function checked(page: Page): Promise<boolean> {
  const box = await byRole(page, "checkbox", HIDE_ADDRESS);
  return await box.evaluate((input) => (input as HTMLInputElement).checked);
}
