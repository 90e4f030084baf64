import { describe, expect, it } from "vitest";
import type { Position } from "./protocol";
import { positionsView, type Item } from "./positions";

const pos = (node: string, symbol: string, pnl: number, component_var = 0): Position =>
  ({ node, symbol, type: "linear", quantity: 1, price: 1, market_value: 10, pnl, component_var, delta: 1 });
const rows = [pos("FIRM/a", "DAX", 5, 1), pos("FIRM/b", "SMI", -3, 4), pos("FIRM/a", "CAC", -7, 2), pos("FIRM/b", "DAX", 1, 0)];
const names = (items: Item[]) => items.map((i) => (i.kind === "row" ? `${i.p.node} ${i.p.symbol}` : `[${i.node} ${i.count}]`));

describe("the positions view", () => {
  it("sorts by a column either way, ties by node and symbol", () => {
    expect(names(positionsView(rows, { sort: "pnl", desc: false, filter: "", group: false }))).toEqual(["FIRM/a CAC", "FIRM/b SMI", "FIRM/b DAX", "FIRM/a DAX"]);
    expect(names(positionsView(rows, { sort: "symbol", desc: true, filter: "", group: false }))).toEqual(["FIRM/b SMI", "FIRM/a DAX", "FIRM/b DAX", "FIRM/a CAC"]);
  });
  it("filters by symbol or node, case-insensitive", () => {
    expect(names(positionsView(rows, { sort: "node", desc: false, filter: "dax", group: false }))).toEqual(["FIRM/a DAX", "FIRM/b DAX"]);
    expect(names(positionsView(rows, { sort: "node", desc: false, filter: " firm/B ", group: false }))).toEqual(["FIRM/b DAX", "FIRM/b SMI"]);
  });
  it("groups by node under subtotal rows, groups ordered by the sorted column's subtotal", () => {
    const v = positionsView(rows, { sort: "component_var", desc: true, filter: "", group: true });
    expect(names(v)).toEqual(["[FIRM/b 2]", "FIRM/b SMI", "FIRM/b DAX", "[FIRM/a 2]", "FIRM/a CAC", "FIRM/a DAX"]);
    const head = v[0];
    expect(head.kind === "group" && [head.pnl, head.component_var, head.market_value]).toEqual([-2, 4, 20]);
  });
  it("does not reorder its input", () => {
    const copy = rows.slice();
    positionsView(rows, { sort: "pnl", desc: true, filter: "", group: true });
    expect(rows).toEqual(copy);
  });
});
