/**
 * The TURN user each client is named by (server/ice_servers.ts): coturn's `user-quota` counts per
 * user, so how addresses map to users is what bounds one network's share of the relay.
 *
 * @module
 */
import assert from "node:assert/strict";
import { TURN_USERS_PER_SITE, turnUser } from "../../server/ice_servers.ts";

const SECRET = "test secret";

/** A random address in `prefix` (its first `groups` groups given), as an attacker would pick. */
function addressIn(prefix: string): string {
  const given = prefix.split(":").length;
  const groups = Array.from(
    crypto.getRandomValues(new Uint16Array(8 - given)),
    (group) => group.toString(16),
  );
  return `${prefix}:${groups.join(":")}`;
}

Deno.test("TURN users: every address of one /64 is one user", () => {
  const users = new Set(
    Array.from({ length: 50 }, () => turnUser(SECRET, addressIn("2001:db8:a1:1"))),
  );
  assert.equal(users.size, 1);
});

Deno.test("TURN users: a whole /48 rotating through its /64s is a few users at most", () => {
  const users = new Set(
    Array.from({ length: 2000 }, () => turnUser(SECRET, addressIn("2001:db8:c3"))),
  );
  assert.ok(users.size <= TURN_USERS_PER_SITE, `${users.size} users`);
  assert.ok(users.size > 1, "the /64s of a site are spread, so two people rarely share one");
});

Deno.test("TURN users: other sites, other addresses and another secret are other users", () => {
  const sites = new Set(
    Array.from({ length: 50 }, (_, i) => turnUser(SECRET, `2001:db8:${(i + 1).toString(16)}::1`)),
  );
  assert.equal(sites.size, 50, "one /48 never names another's users");
  assert.notEqual(turnUser(SECRET, "192.0.2.1"), turnUser(SECRET, "192.0.2.2"));
  assert.equal(turnUser(SECRET, "192.0.2.1"), turnUser(SECRET, "192.0.2.1"));
  assert.notEqual(turnUser(SECRET, "192.0.2.1"), turnUser("another secret", "192.0.2.1"));
});
