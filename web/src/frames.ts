// Frames of the risk stream (docs/protocol.md, "Framing"): with the rtrisk.deflate-raw
// subprotocol, snapshots and deltas arrive as binary frames holding the message's JSON as one
// raw DEFLATE stream, compressed once by the server for every client, and are decoded here by the
// browser's DecompressionStream; text frames (heartbeats, or every message without the
// subprotocol) are JSON as they are.

export const DEFLATE_RAW_SUBPROTOCOL = "rtrisk.deflate-raw";

/** Whether this browser can decode raw DEFLATE (else the page asks for text frames). */
export function canInflateRaw(): boolean {
  try {
    return typeof DecompressionStream !== "undefined" && new DecompressionStream("deflate-raw") !== null;
  } catch {
    return false;
  }
}

/** A WebSocket to the risk stream, asking for shared compressed frames when they can be decoded. */
export function openRiskSocket(url: string): WebSocket {
  const sock = canInflateRaw() ? new WebSocket(url, [DEFLATE_RAW_SUBPROTOCOL]) : new WebSocket(url);
  sock.binaryType = "arraybuffer";
  return sock;
}

/** The text of one raw DEFLATE stream. */
export async function inflateRaw(data: ArrayBuffer): Promise<string> {
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return await new Response(stream).text();
}

/**
 * A decoder that hands each frame's text to `deliver` in arrival order, however long each
 * inflation takes. A text frame arriving while nothing is being inflated is delivered at once;
 * a frame that cannot be decoded goes to `fail` and the frames after it still arrive.
 */
export function orderedFrames(deliver: (text: string) => void, fail: (error: unknown) => void): (data: string | ArrayBuffer) => void {
  let waiting = 0; // frames received and not yet delivered
  let chain: Promise<void> = Promise.resolve();
  return (data) => {
    if (typeof data === "string" && waiting === 0) {
      deliver(data);
      return;
    }
    waiting++;
    const text = typeof data === "string" ? Promise.resolve(data) : inflateRaw(data);
    text.catch(() => undefined); // its failure is handled in turn, below
    chain = chain
      .then(() => text)
      .then(deliver)
      .catch(fail) // a frame that does not inflate, or a failure handling it: the next frames still arrive
      .finally(() => {
        waiting--;
      });
  };
}
