import { describe, expect, it } from "vitest";
import type { FactorGroup, RiskData } from "./protocol.generated";
import { EXPLAIN_PARTS, explainOf, explainSince, factorTables } from "./explain";

const columns: RiskData["explain"] = {
  since_us: 0, path: ["FIRM", "FIRM/a", "FIRM/b"], actual: [10, 7, 3], delta: [8, 6, 2], gamma: [1, 0.5, 0.5], vega: [0, 0, 0],
  theta: [0, 0, 0], trading: [0.5, 0.5, 0], unexplained: [0.5, 0, 0.5],
};

describe("P&L explain", () => {
  it("reads a node's row out of the columns, and none for a node the refresh has not seen", () => {
    expect(explainOf(columns, "FIRM/b")).toEqual({ actual: 3, delta: 2, gamma: 0.5, vega: 0, theta: 0, trading: 0, unexplained: 0.5 });
    expect(explainOf(columns, "FIRM/c")).toBeNull();
    expect(explainOf(undefined, "FIRM")).toBeNull();
  });
  it("its parts sum to the actual P&L change", () => {
    for (const p of columns.path) {
      const e = explainOf(columns, p)!;
      expect(EXPLAIN_PARTS.reduce((s, k) => s + e[k], 0)).toBeCloseTo(e.actual, 12);
    }
  });
  it("says since when", () => {
    expect(explainSince(0)).toBe("since the server started");
    expect(explainSince(Date.UTC(2026, 10, 27) * 1000)).toBe("since 2026-11-27 00:00 UTC");
  });
});

describe("risk by factor", () => {
  const g = (factor: string, group: string): FactorGroup =>
    ({ factor, group, positions_count: 1, net_delta: 1, gross_exposure: 1, var_99: 1, es_975: 1, component_var: 1 });
  it("splits the groups into one table per factor, in arrival order", () => {
    const t = factorTables([g("sector", "Banks"), g("country", "DE"), g("sector", "Energy"), g("country", "(none)")]);
    expect(t.map((x) => x.factor)).toEqual(["sector", "country"]);
    expect(t[0].groups.map((x) => x.group)).toEqual(["Banks", "Energy"]);
    expect(t[1].groups.map((x) => x.group)).toEqual(["DE", "(none)"]);
    expect(factorTables(undefined)).toEqual([]);
  });
});
