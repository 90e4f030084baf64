// The connection status as a pure function of the socket's state and the clock, so that its rules
// are unit-tested. LIVE only while the socket is open and a message arrived on it recently: the
// server publishes every `publishMs` and sends a heartbeat after `heartbeatMs` without anything
// else (docs/protocol.md), so silence longer than the heartbeat plus two publication intervals
// means the numbers on screen may be out of date. Anything but LIVE marks the numbers stale.

export type Status = "CONNECTING" | "LIVE" | "STALE" | "RECONNECTING" | "DISCONNECTED";

export interface Link {
  phase: "connecting" | "open" | "closed";
  startedMs: number; // when the current socket was created
  lastMessageMs: number | null; // last message on the current socket, null before the first
  attempts: number; // connections lost or failed since the last message
}

export type LinkEvent =
  | { type: "connect"; nowMs: number }
  | { type: "open" }
  | { type: "message"; nowMs: number }
  | { type: "close" };

export interface Timing {
  heartbeatMs: number;
  publishMs: number;
  abandonMs: number; // a socket silent (or not open) this long is given up and replaced
}

/** Until the first snapshot: the server's defaults. Then timingOf(data.server). */
export const TIMING: Timing = { heartbeatMs: 5000, publishMs: 100, abandonMs: 7000 };

/** The timing a server announces in its snapshots (docs/protocol.md, `server`). */
export const timingOf = (server?: { heartbeat_ms: number; publish_ms: number }): Timing =>
  server ? { heartbeatMs: server.heartbeat_ms, publishMs: server.publish_ms, abandonMs: server.heartbeat_ms + 2000 } : TIMING;
export const MAX_RETRIES = 5; // then DISCONNECTED (it keeps retrying)

export const staleAfterMs = (t: Timing = TIMING): number => t.heartbeatMs + 2 * t.publishMs;

export const initialLink = (nowMs: number): Link => ({ phase: "closed", startedMs: nowMs, lastMessageMs: null, attempts: 0 });

export function linkReduce(link: Link, ev: LinkEvent): Link {
  switch (ev.type) {
    case "connect":
      return { phase: "connecting", startedMs: ev.nowMs, lastMessageMs: null, attempts: link.attempts };
    case "open":
      return { ...link, phase: "open" };
    case "message": // the connection works only once data flows: a server that accepts and drops keeps counting
      return { ...link, lastMessageMs: ev.nowMs, attempts: 0 };
    case "close":
      return { ...link, phase: "closed", lastMessageMs: null, attempts: link.attempts + 1 };
  }
}

export function linkStatus(link: Link, nowMs: number, t: Timing = TIMING): Status {
  if (link.phase === "open" && link.lastMessageMs !== null) {
    return nowMs - link.lastMessageMs <= staleAfterMs(t) ? "LIVE" : "STALE";
  }
  if (link.attempts === 0) return "CONNECTING";
  return link.attempts > MAX_RETRIES ? "DISCONNECTED" : "RECONNECTING";
}

/** The numbers on screen may be out of date unless the link is LIVE. */
export const isStale = (s: Status): boolean => s !== "LIVE";

/** A socket that has not opened, or has been silent, for `abandonMs` is closed and replaced. */
export function shouldAbandon(link: Link, nowMs: number, t: Timing = TIMING): boolean {
  return link.phase !== "closed" && nowMs - (link.lastMessageMs ?? link.startedMs) > t.abandonMs;
}

/** Age of the numbers on screen, e.g. "0.3 s", "12 s", "3 min 05 s". */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms)) return "–";
  const v = Math.max(0, ms);
  if (v < 10_000) return `${(Math.floor(v / 100) / 10).toFixed(1)} s`;
  const s = Math.floor(v / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}
