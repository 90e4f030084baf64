// The WebSocket connection: snapshot + deltas (protocol.ts), resync on a gap, reconnect with
// exponential backoff and jitter, and a measured latency from tick event time to screen.
import { useEffect, useRef, useState } from "react";
import { apply, backoffMs, expectSnapshot, initialState, type ClientState, type ServerMessage } from "./protocol";

export type Status = "CONNECTING" | "LIVE" | "RECONNECTING" | "DISCONNECTED";

export interface Stream {
  state: ClientState;
  status: Status;
  attempts: number;
}

declare global {
  interface Window {
    __rtrisk?: { tickToScreenMs: number[]; messages: number; resyncs: number };
  }
}

export function wsUrl(): string {
  const params = new URLSearchParams(window.location.search);
  const explicit = params.get("ws");
  if (explicit) return explicit;
  const proto = window.location.protocol === "https:" ? "wss:" : "ws:";
  const token = params.get("token");
  return `${proto}//${window.location.host}/ws/risk${token ? `?token=${encodeURIComponent(token)}` : ""}`;
}

export function useRiskStream(): Stream {
  const [stream, setStream] = useState<Stream>({ state: initialState(), status: "CONNECTING", attempts: 0 });
  const stateRef = useRef<ClientState>(initialState());
  const pending = useRef<number | null>(null); // event time (us) of the newest message not yet painted

  useEffect(() => {
    window.__rtrisk = { tickToScreenMs: [], messages: 0, resyncs: 0 };
    let ws: WebSocket | null = null;
    let attempts = 0;
    let timer: number | undefined;
    let closed = false;
    let frame = 0;

    const flush = () => {
      frame = 0;
      const s = stateRef.current;
      setStream({ state: s, status: "LIVE", attempts: 0 });
      const ev = pending.current;
      pending.current = null;
      if (ev !== null) {
        // After React commits, the next frame is on screen: measure there.
        requestAnimationFrame(() => {
          const t = window.__rtrisk!.tickToScreenMs;
          t.push(Date.now() - ev / 1000);
          if (t.length > 2000) t.splice(0, t.length - 2000);
        });
      }
    };

    const connect = () => {
      ws = new WebSocket(wsUrl());
      stateRef.current = expectSnapshot(stateRef.current); // its first snapshot is taken whatever its seq
      ws.onopen = () => {
        attempts = 0;
      };
      ws.onmessage = (e) => {
        let msg: ServerMessage;
        try {
          msg = JSON.parse(e.data as string);
        } catch {
          return;
        }
        window.__rtrisk!.messages++;
        const r = apply(stateRef.current, msg, Date.now());
        stateRef.current = r.state;
        if (r.resync) {
          window.__rtrisk!.resyncs++;
          ws?.send(JSON.stringify({ type: "resync" }));
          return;
        }
        if (msg.type !== "heartbeat") pending.current = msg.event_time;
        if (!frame) frame = requestAnimationFrame(flush); // at most one render per frame
      };
      ws.onclose = () => {
        if (closed) return;
        attempts++;
        const status: Status = attempts > 5 ? "DISCONNECTED" : "RECONNECTING";
        setStream((s) => ({ ...s, status, attempts }));
        timer = window.setTimeout(connect, backoffMs(attempts - 1));
      };
    };
    connect();
    // A connection that stays silent (no data, no heartbeat) for 7 s is treated as lost.
    const watchdog = window.setInterval(() => {
      const last = stateRef.current.lastUpdate;
      if (ws && ws.readyState === WebSocket.OPEN && last && Date.now() - last > 7000) ws.close();
    }, 1000);
    return () => {
      closed = true;
      window.clearTimeout(timer);
      window.clearInterval(watchdog);
      if (frame) cancelAnimationFrame(frame);
      ws?.close();
    };
  }, []);

  return stream;
}
