import assert from "node:assert/strict";
import {
  type Candidate,
  isRoomId,
  Limits,
  newRoomId,
  parseJoinRequest,
  parseSignal,
  randomToken,
} from "../../protocol/signaling.ts";

const candidate: Candidate = {
  candidate: "candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host",
  sdpMid: "0",
  sdpMLineIndex: 0,
  usernameFragment: "abcd",
};

function errorCode(parsed: { ok: boolean; error?: { code: string } }): string | undefined {
  return parsed.ok ? undefined : parsed.error?.code;
}

Deno.test("isRoomId accepts 16-64 URL-safe characters only", () => {
  for (const id of ["a".repeat(16), "a".repeat(64), "AZaz09-_AZaz09-_", newRoomId()]) {
    assert.equal(isRoomId(id), true, id);
  }
  const bad: unknown[] = [
    "a".repeat(15),
    "a".repeat(65),
    "abcdefghijklmnop=",
    "abcdefghijklmnop/",
    "abcdefghijklmno.",
    "abcdefghijklmno ",
    "abcdefghijklmnoé",
    "../../etc/passwd",
    "",
    1234567890123456,
    null,
    undefined,
    ["abcdefghijklmnop"],
  ];
  for (const id of bad) assert.equal(isRoomId(id), false, String(id));
});

Deno.test("newRoomId gives 22-character URL-safe ids that do not repeat", () => {
  const ids = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const id = newRoomId();
    assert.match(id, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(isRoomId(id), true);
    ids.add(id);
  }
  assert.equal(ids.size, 1000);
});

Deno.test("randomToken encodes the requested bytes as unpadded URL-safe base64", () => {
  assert.match(randomToken(18), /^[A-Za-z0-9_-]{24}$/);
  assert.match(randomToken(9), /^[A-Za-z0-9_-]{12}$/);
  assert.match(randomToken(16), /^[A-Za-z0-9_-]{22}$/);
  // Enough draws to hit every base64 character that needs replacing.
  const all = Array.from({ length: 200 }, () => randomToken(30)).join("");
  assert.doesNotMatch(all, /[+/=]/);
  assert.match(all, /-/);
  assert.match(all, /_/);
});

Deno.test("parseJoinRequest", async (t) => {
  const room = newRoomId();

  await t.step("accepts room and session, with or without a resume token", () => {
    assert.deepEqual(parseJoinRequest({ room, session: "session1" }), {
      ok: true,
      value: { room, session: "session1" },
    });
    assert.deepEqual(parseJoinRequest({ room, session: "session1", resume: "resume-token_1" }), {
      ok: true,
      value: { room, session: "session1", resume: "resume-token_1" },
    });
  });

  await t.step("accepts an offer made before joining, keeping only type and sdp", () => {
    const offer = { type: "offer", sdp: "v=0\r\n", extra: 1 };
    assert.deepEqual(parseJoinRequest({ room, session: "session1", offer }), {
      ok: true,
      value: { room, session: "session1", offer: { type: "offer", sdp: "v=0\r\n" } },
    });
    for (const bad of [{ type: "answer", sdp: "v=0" }, { type: "offer", sdp: "" }, "v=0", null]) {
      const parsed = parseJoinRequest({ room, session: "session1", offer: bad });
      assert.equal(parsed.ok, false, JSON.stringify(bad));
    }
  });

  await t.step("drops fields it does not know", () => {
    const parsed = parseJoinRequest({ room, session: "session1", admin: true });
    assert.deepEqual(parsed, { ok: true, value: { room, session: "session1" } });
  });

  await t.step("refuses what is not an object", () => {
    for (const value of [undefined, null, "join", 1, [], [room, "session1"]]) {
      assert.equal(errorCode(parseJoinRequest(value)), "invalid-message", String(value));
    }
  });

  await t.step("refuses a bad room id as invalid-room", () => {
    for (
      const bad of [undefined, "short", "a".repeat(65), 12345678901234567, "../../x/yyyyyyyyy"]
    ) {
      const parsed = parseJoinRequest({ room: bad, session: "session1" });
      assert.equal(errorCode(parsed), "invalid-room", String(bad));
    }
  });

  await t.step("refuses a bad session or resume token", () => {
    const sessions: unknown[] = [undefined, "", "seven77", "s".repeat(65), "bad token", 12345678];
    for (const session of sessions) {
      assert.equal(errorCode(parseJoinRequest({ room, session })), "invalid-message", `${session}`);
    }
    for (const resume of [null, "", "short", "r".repeat(65), "not/valid", 123456789]) {
      const parsed = parseJoinRequest({ room, session: "session1", resume });
      assert.equal(errorCode(parsed), "invalid-message", `${resume}`);
    }
  });

  await t.step("explains every refusal", () => {
    const parsed = parseJoinRequest({ room: "x" });
    assert.ok(!parsed.ok && parsed.error.message.length > 0);
  });
});

Deno.test("parseSignal", async (t) => {
  await t.step("accepts offers and answers, keeping only type and sdp", () => {
    for (const type of ["offer", "answer"] as const) {
      assert.deepEqual(parseSignal({ description: { type, sdp: "v=0\r\n", extra: 1 } }), {
        ok: true,
        value: { description: { type, sdp: "v=0\r\n" } },
      });
    }
  });

  await t.step("accepts an SDP of exactly the limit and refuses one byte more", () => {
    const at = parseSignal({ description: { type: "offer", sdp: "x".repeat(Limits.sdpBytes) } });
    assert.equal(at.ok, true);
    const over = parseSignal({
      description: { type: "offer", sdp: "x".repeat(Limits.sdpBytes + 1) },
    });
    assert.equal(errorCode(over), "invalid-message");
  });

  await t.step("refuses descriptions of other types or without an sdp string", () => {
    const bad: unknown[] = [
      { type: "pranswer", sdp: "v=0" },
      { type: "rollback", sdp: "v=0" },
      { type: "offer" },
      { type: "offer", sdp: "" },
      { type: "offer", sdp: 1 },
      { sdp: "v=0" },
      "v=0",
      null,
    ];
    for (const description of bad) {
      assert.equal(errorCode(parseSignal({ description })), "invalid-message");
    }
  });

  await t.step("accepts candidates and fills missing optional fields with null", () => {
    assert.deepEqual(parseSignal({ candidate }), { ok: true, value: { candidate } });
    assert.deepEqual(parseSignal({ candidate: { candidate: "" } }), {
      ok: true,
      value: {
        candidate: { candidate: "", sdpMid: null, sdpMLineIndex: null, usernameFragment: null },
      },
    });
    const extra = parseSignal({ candidate: { ...candidate, foundation: "1" } });
    assert.deepEqual(extra, { ok: true, value: { candidate } });
  });

  await t.step("refuses candidates with fields of the wrong type or size", () => {
    const bad: unknown[] = [
      42,
      null,
      "candidate:1",
      {},
      { candidate: 42 },
      { ...candidate, candidate: "c".repeat(Limits.candidateBytes + 1) },
      { ...candidate, sdpMid: 0 },
      { ...candidate, sdpMid: "m".repeat(65) },
      { ...candidate, sdpMLineIndex: "0" },
      { ...candidate, sdpMLineIndex: -1 },
      { ...candidate, sdpMLineIndex: 1.5 },
      { ...candidate, sdpMLineIndex: 1025 },
      { ...candidate, usernameFragment: 7 },
      { ...candidate, usernameFragment: "u".repeat(257) },
    ];
    for (const value of bad) {
      assert.equal(errorCode(parseSignal({ candidate: value })), "invalid-message");
    }
  });

  await t.step("refuses anything but exactly one of description or candidate", () => {
    const bad: unknown[] = [
      undefined,
      null,
      "offer",
      [],
      {},
      { sdp: "v=0" },
      { description: { type: "offer", sdp: "v=0" }, candidate },
      { description: { type: "offer", sdp: "v=0" }, extra: true },
    ];
    for (const value of bad) assert.equal(errorCode(parseSignal(value)), "invalid-message");
  });
});
