/**
 * What a room's status says about this server (server/room_status.ts): the relay a person may
 * hide their address behind is offered only where it changes something.
 *
 * @module
 */
import assert from "node:assert/strict";
import { serverPart } from "../../server/room_status.ts";

const TURN = { urls: ["turn:relay.example.org:3478"], secret: "s", ttlSeconds: 600 };

Deno.test("room status: hiding one's address is offered only where calls are not all relayed", () => {
  const stun = [{ urls: "stun:stun.example.org:3478" }];
  assert.deepEqual(serverPart({ iceServers: stun, turn: null, iceTransportPolicy: "all" }), {
    relay: false,
    iceServers: stun,
  });
  const relayed = serverPart({ iceServers: [], turn: TURN, iceTransportPolicy: "all" });
  assert.equal(relayed.relay, true, "a relay, and calls go direct when they can: offered");
  assert.equal(relayed.iceServers, null, "a relay's credentials come only with a seat");
  const forced = serverPart({ iceServers: [], turn: TURN, iceTransportPolicy: "relay" });
  assert.equal(forced.relay, false, "every call is relayed already: nothing to choose");
});
