import { describe, expect, it } from "vitest";
import { canInflateRaw, inflateRaw, orderedFrames } from "./frames";

// The server compresses with zlib's raw DEFLATE (wire/deflate_raw.hpp); CompressionStream makes the same format.
const packed = (text: string): Promise<ArrayBuffer> =>
  new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("deflate-raw"))).arrayBuffer();

describe("frames", () => {
  it("inflates raw DEFLATE back to the JSON text, UTF-8 included", async () => {
    expect(canInflateRaw()).toBe(true);
    const text = JSON.stringify({ type: "delta", seq: 2, base: 1, changes: { name: "Dësk ☂", v: Array.from({ length: 500 }, (_, i) => i) } });
    expect(await inflateRaw(await packed(text))).toBe(text);
  });

  it("delivers frames in arrival order whatever their kind, and goes on after a bad one", async () => {
    const got: string[] = [];
    const errors: unknown[] = [];
    const push = orderedFrames((t) => got.push(t), (e) => errors.push(e));
    const big = JSON.stringify({ seq: 1, pad: "x".repeat(200000) });
    const [bigFrame, smallFrame] = [await packed(big), await packed('{"seq":2}')];
    push(bigFrame); // slow to inflate
    push('{"seq":"heartbeat"}'); // text, but after the binary one
    push(new Uint8Array([0xff, 0xff, 0xff]).buffer); // not raw DEFLATE
    push(smallFrame);
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toEqual([big, '{"seq":"heartbeat"}', '{"seq":2}']);
    expect(errors).toHaveLength(1);
    push("now"); // nothing pending: at once
    expect(got.at(-1)).toBe("now");
  });

  it("goes on after a frame whose handling throws", async () => {
    const got: string[] = [];
    const errors: unknown[] = [];
    const push = orderedFrames(
      (t) => {
        if (t === "bad") throw new Error("render failed");
        got.push(t);
      },
      (e) => errors.push(e),
    );
    const [a, b] = [await packed("bad"), await packed("good")];
    push(a);
    push(b);
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual(["good"]);
    expect(errors).toHaveLength(1);
  });
});
