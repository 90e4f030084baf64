import { describe, expect, it } from "vitest";
import type { WhatIfResponse } from "./protocol.generated";
import { initialWhatIf, tradeOf, whatIfReduce, type WhatIfAction } from "./whatif";

const form = (quantity: string, price = "", node = "FIRM/a", symbol = "DAX") => ({ node, symbol, quantity, price });
const answer = (v: number): WhatIfResponse => ({ nodes: [{ path: "FIRM", exists: true, var_99_before: 1, var_99_after: v, es_975_before: 1,
  es_975_after: 1, gross_exposure_before: 0, gross_exposure_after: 0, net_delta_before: 0, net_delta_after: 0, vega_before: 0, vega_after: 0,
  pnl_before: 0, pnl_after: 0, breaches: [] }] });

describe("the what-if form", () => {
  it("makes a trade of a signed quantity and an optional price", () => {
    expect(tradeOf(form("-1,500"))).toEqual({ trade: { node: "FIRM/a", symbol: "DAX", quantity: -1500 } });
    expect(tradeOf(form("10", "5123.5"))).toEqual({ trade: { node: "FIRM/a", symbol: "DAX", quantity: 10, price: 5123.5 } });
  });
  it("waits for a quantity, and names what is wrong", () => {
    expect(tradeOf(form(""))).toBeNull();
    expect(tradeOf(form("0"))).toEqual({ error: "quantity '0' is not a non-zero number within ±1e9" });
    expect(tradeOf(form("1e10"))).toHaveProperty("error");
    expect(tradeOf(form("10x"))).toHaveProperty("error");
    expect(tradeOf(form("1", "-3"))).toEqual({ error: "price '-3' is not a number in (0, 1e9]" });
    expect(tradeOf(form("1", "", ""))).toEqual({ error: "choose a node" });
    expect(tradeOf(form("1", "", "FIRM", ""))).toEqual({ error: "choose a symbol" });
  });
});

describe("the what-if reducer", () => {
  const run = (actions: WhatIfAction[]) => actions.reduce(whatIfReduce, initialWhatIf);
  it("shows the newest request's answer; an older one arriving late is dropped", () => {
    const s = run([{ type: "sent", id: 1 }, { type: "sent", id: 2 }, { type: "answer", id: 2, answer: answer(20) }, { type: "answer", id: 1, answer: answer(10) }]);
    expect(s.answer?.nodes[0].var_99_after).toBe(20);
    expect(s.pending).toBe(false);
  });
  it("keeps pending while the newest is out, and shows its error in place of an answer", () => {
    const s = run([{ type: "sent", id: 1 }, { type: "sent", id: 2 }, { type: "answer", id: 1, answer: answer(10) }]);
    expect(s.pending).toBe(true);
    expect(s.answer).toBeNull();
    const f = whatIfReduce(whatIfReduce(s, { type: "answer", id: 2, answer: answer(5) }), { type: "sent", id: 3 });
    const e = whatIfReduce(f, { type: "failed", id: 3, error: "trades[0].symbol: unknown symbol 'X'" });
    expect(e.error).toBe("trades[0].symbol: unknown symbol 'X'");
    expect(e.pending).toBe(false);
  });
  it("clears when the form is emptied, and a late answer does not come back", () => {
    const s = run([{ type: "sent", id: 1 }, { type: "clear" }, { type: "answer", id: 1, answer: answer(10) }]);
    expect(s.answer).toBeNull();
  });
});
