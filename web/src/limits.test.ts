import { describe, expect, it } from "vitest";
import { apiHeaders, barWidth, breached, limitEdit, limitsUnder, limitUseByNode, newestFirst, tone } from "./limits";
import type { LimitEvent, LimitStatus } from "./protocol.generated";

const lim = (node: string, measure: LimitStatus["measure"], utilisation: number | null, isBreached = false): LimitStatus =>
  ({ node, measure, limit: 100, value: utilisation === null ? null : utilisation * 100, utilisation, breached: isBreached });

describe("limits of a node and below", () => {
  const all = [lim("FIRM", "var_99", 0.5), lim("FIRM/Eq", "vega", 1.2, true), lim("FIRM/Equities", "var_99", 0.9), lim("FIRM/Eq/a", "net_delta", null)];
  it("keeps the subtree by path segments (FIRM/Eq is not FIRM/Equities), the most used first, those without a figure last", () => {
    expect(limitsUnder(all, "FIRM/Eq").map((l) => l.node)).toEqual(["FIRM/Eq", "FIRM/Eq/a"]);
    expect(limitsUnder(all, "FIRM").map((l) => l.utilisation)).toEqual([1.2, 0.9, 0.5, null]);
  });
  it("gives each node its most used limit and lists the breached ones", () => {
    const m = limitUseByNode([...all, lim("FIRM", "es_975", 0.7)]);
    expect(m.get("FIRM")?.measure).toBe("es_975");
    expect(m.has("FIRM/Eq/a")).toBe(false);
    expect(breached(all).map((l) => l.node)).toEqual(["FIRM/Eq"]);
  });
  it("colours by state and utilisation, and caps the bar at 100 %", () => {
    expect([tone(lim("a", "vega", 0.79)), tone(lim("a", "vega", 0.8)), tone(lim("a", "vega", 0.97, true)), tone(lim("a", "vega", 0.97))])
      .toEqual(["ok", "warn", "breach", "warn"]); // 0.97 after a breach stays a breach (hysteresis, decided by the server)
    expect([barWidth(0.5), barWidth(2), barWidth(null), barWidth(-1)]).toEqual([50, 100, 0, 0]);
  });
  it("lists alerts newest first, at most n", () => {
    const a = (t: number): LimitEvent => ({ time_ms: t, node: "FIRM", measure: "var_99", value: 1, limit: 1, event: "breach" });
    expect(newestFirst([a(1), a(2), a(3)], 2).map((e) => e.time_ms)).toEqual([3, 2]);
  });
});

describe("a limit edit", () => {
  it("sets a number (thousands separators allowed) or removes with an empty field", () => {
    expect(limitEdit("FIRM", "var_99", "1,500,000")).toEqual({ edit: { node: "FIRM", measure: "var_99", limit: 1_500_000 } });
    expect(limitEdit("FIRM", "vega", "  ")).toEqual({ edit: { node: "FIRM", measure: "vega", limit: null } });
    expect(limitEdit("FIRM", "var_99", "2e6")).toEqual({ edit: { node: "FIRM", measure: "var_99", limit: 2e6 } });
  });
  it("refuses what the server would, naming it", () => {
    expect(limitEdit("FIRM", "var_99", "-5")).toEqual({ error: "limit '-5' is not a number in (0, 1e15]" });
    expect(limitEdit("FIRM", "var_99", "0")).toHaveProperty("error");
    expect(limitEdit("FIRM", "var_99", "1e16")).toHaveProperty("error");
    expect(limitEdit("FIRM", "var_99", "12abc")).toHaveProperty("error");
    expect(limitEdit("FIRM", "delta", "1")).toEqual({ error: "unknown measure 'delta'" });
    expect(limitEdit("", "var_99", "1")).toEqual({ error: "choose a node" });
  });
  it("sends the page's token as a Bearer", () => {
    expect(apiHeaders("s3cret")).toEqual({ "Content-Type": "application/json", Authorization: "Bearer s3cret" });
    expect(apiHeaders(null)).toEqual({ "Content-Type": "application/json" });
  });
});
