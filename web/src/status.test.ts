import { describe, expect, it } from "vitest";
import { formatAge, initialLink, isStale, linkReduce, linkStatus, shouldAbandon, staleAfterMs, timingOf, TIMING, type Link, type LinkEvent } from "./status";

const run = (events: LinkEvent[], link: Link = initialLink(0)): Link => events.reduce(linkReduce, link);
const live = run([{ type: "connect", nowMs: 0 }, { type: "open" }, { type: "message", nowMs: 1000 }]);

describe("connection status", () => {
  it("is LIVE only while open and a message arrived within heartbeat + 2 publication intervals", () => {
    expect(staleAfterMs()).toBe(5200);
    expect(staleAfterMs({ heartbeatMs: 1000, publishMs: 50, abandonMs: 0 })).toBe(1100);
    // The server's announced timing replaces the defaults (a 1 Hz server with 2 s heartbeats).
    expect(staleAfterMs(timingOf({ publish_ms: 1000, heartbeat_ms: 2000 }))).toBe(4000);
    expect(timingOf(undefined)).toBe(TIMING);
    expect(linkStatus(live, 1000)).toBe("LIVE");
    expect(linkStatus(live, 6200)).toBe("LIVE");
    expect(linkStatus(live, 6201)).toBe("STALE"); // the socket is open but the server is silent
    expect(linkStatus(linkReduce(live, { type: "message", nowMs: 6300 }), 6301)).toBe("LIVE"); // a heartbeat or data revives it
  });

  it("leaves LIVE the moment the socket closes, however recent the last message", () => {
    const closed = linkReduce(live, { type: "close" });
    expect(linkStatus(closed, 1000)).toBe("RECONNECTING");
    expect(isStale(linkStatus(closed, 1000))).toBe(true);
    // reconnecting: the new socket is not LIVE until a message arrives on it
    const reopened = run([{ type: "connect", nowMs: 1200 }, { type: "open" }], closed);
    expect(linkStatus(reopened, 1300)).toBe("RECONNECTING");
    expect(linkStatus(linkReduce(reopened, { type: "message", nowMs: 1400 }), 1400)).toBe("LIVE");
  });

  it("says CONNECTING before the first message, then counts failures up to DISCONNECTED", () => {
    const opened = run([{ type: "connect", nowMs: 0 }, { type: "open" }]);
    expect(linkStatus(initialLink(0), 0)).toBe("CONNECTING");
    expect(linkStatus(opened, 100)).toBe("CONNECTING");
    let l = opened;
    for (let i = 1; i <= 6; i++) {
      // a server that accepts and drops every connection: opening alone does not reset the count
      l = run([{ type: "close" }, { type: "connect", nowMs: i }, { type: "open" }], l);
      expect(l.attempts).toBe(i);
    }
    expect(linkStatus(l, 10)).toBe("DISCONNECTED");
    expect(linkStatus(linkReduce(l, { type: "message", nowMs: 10 }), 10)).toBe("LIVE");
  });

  it("only LIVE is fresh", () => {
    for (const s of ["CONNECTING", "STALE", "RECONNECTING", "DISCONNECTED"] as const) expect(isStale(s)).toBe(true);
    expect(isStale("LIVE")).toBe(false);
  });
});

describe("abandoning a dead socket", () => {
  it("gives up an open socket silent for 7 s, and a socket that never opens", () => {
    expect(shouldAbandon(live, 8000)).toBe(false);
    expect(shouldAbandon(live, 8001)).toBe(true);
    const pending = run([{ type: "connect", nowMs: 100 }]);
    expect(shouldAbandon(pending, 7100)).toBe(false);
    expect(shouldAbandon(pending, 7101)).toBe(true);
    expect(shouldAbandon(linkReduce(live, { type: "close" }), 1e9)).toBe(false); // nothing to give up
  });

  it("judges a new socket from its own start, not from the previous socket's last message", () => {
    const next = run([{ type: "close" }, { type: "connect", nowMs: 20_000 }, { type: "open" }], live);
    expect(shouldAbandon(next, 20_500)).toBe(false);
  });
});

describe("data age", () => {
  it("formats the age of the numbers", () => {
    expect(formatAge(0)).toBe("0.0 s");
    expect(formatAge(340)).toBe("0.3 s");
    expect(formatAge(9_999)).toBe("9.9 s");
    expect(formatAge(12_400)).toBe("12 s");
    expect(formatAge(185_000)).toBe("3 min 05 s");
    expect(formatAge(NaN)).toBe("–");
  });
});
