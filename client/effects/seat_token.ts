/**
 * Where a tab keeps the resume token of its seat in a room.
 *
 * The token lives in `sessionStorage`: it survives a reload and belongs to this tab alone, so two
 * windows of one browser can be the two people of a call. When the page goes away (closed tab,
 * reload) the token is also left in `localStorage` for the room, and the next page of this
 * browser that opens the room without a token of its own takes it over: a person who closed
 * the tab by mistake and opens the link again gets their seat back.
 *
 * @module
 */

/** Reading and keeping one room's seat token. */
export interface SeatToken {
  /** This tab's token, or one a closed tab of this browser left for the room. */
  take(): string | undefined;
  /** Keeps the token the server gave. */
  keep(token: string): void;
  /** Leaves the token for the next page of this room (call on `pagehide`). */
  leaveBehind(): void;
  /** Forgets the token (the seat was given up). */
  forget(): void;
}

/** The seat token store of `roomId`. */
export function seatToken(roomId: string): SeatToken {
  const tabKey = `parley:resume:${roomId}`;
  const leftKey = `parley:left-behind:${roomId}`;
  return {
    take() {
      const mine = sessionStorage.getItem(tabKey);
      const left = localStorage.getItem(leftKey);
      // Ours (a reload left it behind too), or a closed tab's, which is ours now.
      if (left !== null && (mine === null || mine === left)) localStorage.removeItem(leftKey);
      const token = mine ?? left;
      if (token !== null) sessionStorage.setItem(tabKey, token);
      return token ?? undefined;
    },
    keep(token) {
      sessionStorage.setItem(tabKey, token);
    },
    leaveBehind() {
      const mine = sessionStorage.getItem(tabKey);
      if (mine !== null) localStorage.setItem(leftKey, mine);
    },
    forget() {
      const mine = sessionStorage.getItem(tabKey);
      sessionStorage.removeItem(tabKey);
      if (mine !== null && localStorage.getItem(leftKey) === mine) localStorage.removeItem(leftKey);
    },
  };
}
