/**
 * Who is back in a group call (client/presence/returns.ts): someone who left and came back, or
 * whose connection with us broke and is up again; never what this side's own trouble (a server
 * restart, our network) made look so.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  nextReturns,
  NO_RETURNS,
  type PersonNow,
  type Returns,
} from "../../client/presence/returns.ts";

type Link = PersonNow["link"];
const person = (session: string, name: string) => (link: Link = "connected", away = false) => ({
  session,
  name,
  link,
  away,
});
const ada = person("a1", "Ada");
const ben = person("b1", "Ben");
const cy = person("c1", "Cy");

/** Renders, each the people then and whether this page was off the server. */
function run(...renders: (PersonNow[] | { offline: PersonNow[] })[]): Returns {
  return renders.reduce<Returns>(
    (returns, render) =>
      Array.isArray(render)
        ? nextReturns(returns, render)
        : nextReturns(returns, render.offline, true),
    NO_RETURNS,
  );
}

Deno.test("returns: a reload (a new page of someone who left) is someone back, once we see them", () => {
  const newPage = person("a2", "");
  assert.deepEqual(run([ada(), ben()], [ben()]).back, []);
  assert.deepEqual(run([ada(), ben()], [ben()], [ben(), newPage("connecting")]).back, []);
  const named = person("a2", "Ada");
  assert.deepEqual(
    run([ada(), ben()], [ben()], [ben(), newPage()], [ben(), named()]).back,
    ["Ada"],
  );
  // The old page replaced by the new one in one render.
  assert.deepEqual(run([ada(), ben()], [ben(), named()]).back, ["Ada"]);
  // Their name known before their picture: said once they are seen.
  assert.deepEqual(run([ada(), ben()], [ben()], [ben(), named("connecting")]).back, []);
});

Deno.test("returns: someone who left and is seated again with the same page is back", () => {
  assert.deepEqual(run([ada(), ben()], [ben()], [ada(), ben()]).back, ["Ada"]);
});

Deno.test("returns: a network cut on their side (their tile said Reconnecting…) is someone back", () => {
  const cut = [[ada(), ben()], [ada("interrupted"), ben()], [ada("interrupted", true), ben()]];
  assert.deepEqual(run(...cut).back, []);
  assert.deepEqual(run(...cut, [ada(), ben()]).back, ["Ada"]);
  // A connection that failed, then made anew.
  assert.deepEqual(
    run([ada(), ben()], [ada("failed"), ben()], [ada("connecting"), ben()], [ada(), ben()]).back,
    ["Ada"],
  );
  // The only other person: back only when the server too said they dropped (else it may be us).
  assert.deepEqual(run([ada()], [ada("interrupted")], [ada()]).back, []);
  assert.deepEqual(run([ada()], [ada("interrupted", true)], [ada()]).back, ["Ada"]);
});

Deno.test("returns: a server hiccup is nobody back: their connection to the server alone dropped", () => {
  const everyone = [ada(), ben(), cy()];
  // Everyone's connection to the server dropped, the pictures went on.
  const away = [ada("connected", true), ben("connected", true), cy("connected", true)];
  assert.deepEqual(run(everyone, { offline: away }, away, everyone).back, []);
  assert.deepEqual(run(everyone, away, everyone).back, [], "even seen from a page that stayed on");
});

Deno.test("returns: the others seeming to leave while we were off the server did not leave", () => {
  // Back on the server before them, our seat resumed without them: they seemed to time out.
  const everyone = [ada(), ben(), cy()];
  assert.deepEqual(
    run(everyone, { offline: everyone }, [ada()], [ada(), ben()], everyone).back,
    [],
  );
});

Deno.test("returns: our own network cut is nobody back, though every connection broke", () => {
  const everyone = [ada(), ben(), cy()];
  const broken = [ada("interrupted"), ben("interrupted"), cy("interrupted")];
  assert.deepEqual(run(everyone, broken, everyone).back, []);
  // One after the other, as ICE notices.
  assert.deepEqual(
    run(
      everyone,
      [ada("interrupted"), ben(), cy()],
      broken,
      [ada(), ben(), cy("interrupted")],
      everyone,
    )
      .back,
    [],
  );
  // Off the server meanwhile.
  assert.deepEqual(
    run([ada(), ben()], { offline: [ada("interrupted", true), ben()] }, [ada(), ben()]).back,
    [],
  );
});

Deno.test("returns: said until someone else comes or goes, or they go again", () => {
  const backAgain = [[ada(), ben()], [ada("interrupted"), ben()], [ada(), ben()]];
  assert.deepEqual(run(...backAgain, [ada(), ben()]).back, ["Ada"], "kept while nothing changes");
  assert.deepEqual(run(...backAgain, [ada()]).back, [], "Ben went");
  assert.deepEqual(run(...backAgain, [ada(), ben(), cy()]).back, [], "Cy came");
  assert.deepEqual(run(...backAgain, [ada("interrupted"), ben()]).back, [], "Ada cut again");
  assert.deepEqual(run(...backAgain, [ada("connected", true), ben()]).back, [], "Ada away");
});

Deno.test("returns: a newcomer is not someone back, nor is a name never seen before", () => {
  assert.deepEqual(run([ben()], [ben(), cy()]).back, []);
  assert.deepEqual(run([ben()], [ben(), person("c1", "")()], [ben(), cy()]).back, []);
});
