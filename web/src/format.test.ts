import { describe, expect, it } from "vitest";
import { fmt, tickLabels } from "./format";

describe("axis labels", () => {
  it("separate thousands and show the decimals of the tick spacing", () => {
    expect(tickLabels([1_200_000, 1_250_000, 1_300_000], 50_000)).toEqual(["1,200,000", "1,250,000", "1,300,000"]);
    expect(tickLabels([-0.5, 0, 0.5], 0.5)).toEqual(["-0.5", "0.0", "0.5"]);
    expect(tickLabels([0.25, 0.5], 0.25)).toEqual(["0.25", "0.50"]);
    expect(tickLabels([0.1, 0.2, 0.30000000000000004], 0.1)).toEqual(["0.1", "0.2", "0.3"]);
  });

  it("never shows -0 for a split rounded to zero", () => {
    expect(tickLabels([-1e-12, 1000], 1000)).toEqual(["0", "1,000"]);
    expect(fmt(1234567.891)).toBe("1,234,568");
  });
});
