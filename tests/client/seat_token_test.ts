/**
 * Where a tab keeps its seat's resume token (client/effects/seat_token.ts), on Deno's own Web Storage:
 * `sessionStorage` is this tab, `localStorage` the browser. A "new tab" is a cleared
 * sessionStorage with the same localStorage.
 *
 * @module
 */
import assert from "node:assert/strict";
import { seatToken } from "../../client/effects/seat_token.ts";

const ROOM = "room-for-seat-tokens-1";

function freshBrowser(): void {
  sessionStorage.clear();
  localStorage.clear();
}

function newTab(): void {
  sessionStorage.clear();
}

Deno.test("a tab keeps its token across reloads, and only for its room", () => {
  freshBrowser();
  const seat = seatToken(ROOM);
  assert.equal(seat.take(), undefined, "nothing to resume at first");
  seat.keep("token-one");
  assert.equal(seatToken(ROOM).take(), "token-one", "a reload takes it back");
  assert.equal(seatToken("another-room-0001").take(), undefined);
  freshBrowser();
});

Deno.test("a closed tab leaves its token to the next tab of this browser that opens the room", () => {
  freshBrowser();
  seatToken(ROOM).keep("closed-tabs-token");
  seatToken(ROOM).leaveBehind();
  newTab();
  assert.equal(seatToken(ROOM).take(), "closed-tabs-token", "the reopened link gets the seat");
  newTab();
  assert.equal(seatToken(ROOM).take(), undefined, "a second new tab does not: it was taken");
  freshBrowser();
});

Deno.test("a reloaded tab takes back what it left behind, so no other tab gets it too", () => {
  freshBrowser();
  const seat = seatToken(ROOM);
  seat.keep("mine");
  seat.leaveBehind();
  assert.equal(seatToken(ROOM).take(), "mine");
  newTab();
  assert.equal(seatToken(ROOM).take(), undefined);
  freshBrowser();
});

Deno.test("two tabs of one browser are two people: each keeps its own token", () => {
  freshBrowser();
  seatToken(ROOM).keep("tab-a");
  const tabA = sessionStorage.getItem(`parley:resume:${ROOM}`);
  newTab();
  assert.equal(seatToken(ROOM).take(), undefined, "the second tab is a new person");
  seatToken(ROOM).keep("tab-b");
  assert.notEqual(tabA, sessionStorage.getItem(`parley:resume:${ROOM}`));
  freshBrowser();
});

Deno.test("hanging up forgets the token here and what this tab left behind", () => {
  freshBrowser();
  const seat = seatToken(ROOM);
  seat.keep("given-up");
  seat.leaveBehind();
  seat.forget();
  assert.equal(seatToken(ROOM).take(), undefined);
  newTab();
  assert.equal(seatToken(ROOM).take(), undefined);
  freshBrowser();
});
