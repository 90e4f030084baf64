// The WebSocket connection: snapshot + deltas (protocol.ts), resync on a gap, reconnect with
// exponential backoff and jitter, and a measured latency from tick event time to screen. The
// status is never set here: it is derived at render from the socket's state and the clock
// (status.ts), so a late render cannot show LIVE after the socket closed or went silent.
import { useEffect, useState } from "react";
import { flushSync } from "react-dom";
import { openRiskSocket, orderedFrames } from "./frames";
import { apply, backoffMs, expectSnapshot, initialState, type ClientState, type ServerMessage } from "./protocol";
import { initialLink, isStale, linkReduce, linkStatus, shouldAbandon, timingOf, type Status } from "./status";

export type { Status } from "./status";

export interface Stream {
  state: ClientState;
  status: Status;
  attempts: number;
  stale: boolean; // the numbers on screen may be out of date
  ageMs: number; // since the numbers were last confirmed (data or heartbeat); NaN before any
}

declare global {
  interface Window {
    __rtrisk?: { tickToScreenMs: number[]; messages: number; resyncs: number };
  }
}

const CLOCK_MS = 250; // without data, re-render this often so that the age counts and the status can expire

/** The page's ?token=, passed on to the server (docs/security.md). */
export const pageToken = (): string | null => new URLSearchParams(window.location.search).get("token");

export function wsUrl(): string {
  const explicit = new URLSearchParams(window.location.search).get("ws");
  if (explicit) return explicit;
  const proto = window.location.protocol === "https:" ? "wss:" : "ws:";
  const token = pageToken();
  return `${proto}//${window.location.host}/ws/risk${token ? `?token=${encodeURIComponent(token)}` : ""}`;
}

// The first connection opens as the page's script starts (openEarly, from main.tsx), before
// React's first render: the snapshot is on its way while the empty page renders. The hook
// adopts it, with the messages that arrived before it did.
let early: { sock: WebSocket; queued: MessageEvent[] } | null = null;

export function openEarly(): void {
  if (early || typeof WebSocket === "undefined") return;
  const sock = openRiskSocket(wsUrl());
  const queued: MessageEvent[] = [];
  sock.onmessage = (e) => queued.push(e);
  early = { sock, queued };
}

/** The early socket, once: still connecting or open, with what it received so far. */
function takeEarly(): { sock: WebSocket; queued: MessageEvent[] } | null {
  const e = early;
  early = null;
  if (e && e.sock.readyState > WebSocket.OPEN) return null; // closing or closed: connect anew
  return e;
}

export function useRiskStream(): Stream {
  const [view, setView] = useState(() => ({ state: initialState(), link: initialLink(Date.now()), now: Date.now() }));

  useEffect(() => {
    const stats: NonNullable<Window["__rtrisk"]> = { tickToScreenMs: [], messages: 0, resyncs: 0 };
    window.__rtrisk = stats;
    let state = initialState();
    let link = initialLink(Date.now());
    let ws: WebSocket | null = null;
    let pending: number | null = null; // event time (us) of the newest message not yet painted
    let timer: number | undefined;
    let frame = 0; // an animation frame is awaited: a render happened since the last one
    let dirty = false; // a message arrived that is not rendered yet
    let closed = false;
    let rendered = 0;

    const render = () => {
      rendered = Date.now();
      setView({ state, link, now: rendered });
    };

    // A message renders at once (committed before the next frame), at most once per frame: one
    // arriving while a frame is awaited renders in that frame.
    const flush = () => {
      dirty = false;
      frame = requestAnimationFrame(() => {
        frame = 0;
        if (dirty) flush();
      });
      flushSync(render);
      const ev = pending;
      pending = null;
      if (ev !== null) {
        // React has committed: the next frame puts it on screen. Measure there.
        requestAnimationFrame(() => {
          const t = stats.tickToScreenMs;
          t.push(Date.now() - ev / 1000);
          if (t.length > 2000) t.splice(0, t.length - 2000);
        });
      }
    };

    // The current socket closed or was given up: forget it (its late events are ignored) and retry.
    const lost = (sock: WebSocket) => {
      if (closed || sock !== ws) return;
      ws = null;
      sock.onopen = sock.onmessage = sock.onclose = null;
      sock.close();
      link = linkReduce(link, { type: "close" });
      render();
      timer = window.setTimeout(connect, backoffMs(link.attempts - 1));
    };

    const connect = () => {
      const adopted = takeEarly();
      const sock = (ws = adopted?.sock ?? openRiskSocket(wsUrl()));
      link = linkReduce(link, { type: "connect", nowMs: Date.now() });
      state = expectSnapshot(state); // its first snapshot is taken whatever its seq
      sock.onopen = () => {
        link = linkReduce(link, { type: "open" });
        render();
      };
      // Binary frames (rtrisk.deflate-raw) are inflated first; messages are handled in arrival order.
      const frames = orderedFrames(
        (text) => received(text),
        () => undefined, // a frame that does not inflate is dropped as a JSON error is; the next delta's gap asks for a resync
      );
      sock.onmessage = (e) => frames(e.data as string | ArrayBuffer);
      const received = (text: string) => {
        if (closed || sock !== ws) return; // inflated after the socket was given up
        let msg: ServerMessage;
        try {
          msg = JSON.parse(text);
        } catch {
          return;
        }
        const now = Date.now();
        stats.messages++;
        link = linkReduce(link, { type: "message", nowMs: now });
        const r = apply(state, msg, now);
        const changed = r.state !== state;
        const heldEventTime = state.lastEventTime;
        state = r.state;
        if (r.resync) {
          stats.resyncs++;
          sock.send(JSON.stringify({ type: "resync" }));
        } else if (changed && msg.type !== "heartbeat" && msg.event_time !== heldEventTime) {
          pending = msg.event_time; // tick-to-screen: the first render of each event time
        }
        dirty = true;
        if (!frame) flush();
      };
      sock.onclose = () => lost(sock);
      if (adopted) {
        if (sock.readyState === WebSocket.OPEN) sock.onopen(new Event("open"));
        for (const e of adopted.queued) sock.onmessage(e);
      }
    };

    connect();
    const clock = window.setInterval(() => {
      const now = Date.now();
      if (ws && shouldAbandon(link, now, timingOf(state.data?.server))) lost(ws); // silent or never opened: replace it
      else if (now - rendered >= CLOCK_MS - 50) render(); // not while data renders anyway
    }, CLOCK_MS);
    return () => {
      closed = true;
      window.clearTimeout(timer);
      window.clearInterval(clock);
      if (frame) cancelAnimationFrame(frame);
      if (ws) ws.onopen = ws.onmessage = ws.onclose = null;
      ws?.close();
    };
  }, []);

  const status = linkStatus(view.link, view.now, timingOf(view.state.data?.server));
  const { lastUpdate } = view.state;
  return { state: view.state, status, attempts: view.link.attempts, stale: isStale(status), ageMs: lastUpdate ? view.now - lastUpdate : NaN };
}
