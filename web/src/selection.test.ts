import { describe, expect, it } from "vitest";
import type { NodeRisk, Position } from "./protocol";
import { ancestry, leaf, nodeFromSearch, positionsUnder, resolveNode, searchWithNode, subtree, trailReduce, within } from "./selection";

const node = (path: string, var99 = 1, pnl = 0): NodeRisk => ({
  path, parent: path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : null, depth: path.split("/").length - 1, positions_count: 0,
  market_value: 0, pnl, net_delta: 0, gross_exposure: 0, vega: 0, theta: 0, var_99: var99, es_975: 0, component_var: 0, top_contributors: [],
}) as NodeRisk;
const BOOK = ["FIRM", "FIRM/Equities", "FIRM/Equities/EU", "FIRM/Equities/EU/alice", "FIRM/Equities/UK", "FIRM/Eq", "FIRM/Rates"].map((p) => node(p));
const pos = (n: string, symbol: string) => ({ node: n, symbol, type: "linear", quantity: 1, price: 1, market_value: 1, pnl: 0, delta: 0, component_var: 0 }) as Position;

describe("the selected node in the URL", () => {
  it("reads and writes `node`, keeping the token and other parameters, encoded", () => {
    expect(nodeFromSearch("?token=s3cret&node=FIRM%2FEquities%2FEU")).toBe("FIRM/Equities/EU");
    expect(nodeFromSearch("?token=x")).toBeNull();
    const s = searchWithNode("?token=a%2Bb", "FIRM/Rates desk");
    expect(new URLSearchParams(s).get("token")).toBe("a+b");
    expect(nodeFromSearch(s)).toBe("FIRM/Rates desk");
    expect(searchWithNode(s, null)).toBe("?token=a%2Bb");
    expect(searchWithNode("?node=FIRM", null)).toBe("");
  });

  it("falls back to the root for a node the book does not have, or none", () => {
    expect(resolveNode(BOOK, "FIRM/Equities/EU").path).toBe("FIRM/Equities/EU");
    expect(resolveNode(BOOK, "FIRM/Nope").path).toBe("FIRM");
    expect(resolveNode(BOOK, null).path).toBe("FIRM");
  });
});

describe("the subtree of a node", () => {
  it("holds the node and the nodes below it, not a sibling sharing a prefix", () => {
    expect(subtree(BOOK, "FIRM/Equities").map((n) => n.path)).toEqual(["FIRM/Equities", "FIRM/Equities/EU", "FIRM/Equities/EU/alice", "FIRM/Equities/UK"]);
    expect(within("FIRM/Eq", "FIRM/Equities")).toBe(false);
    expect(within("FIRM/Equities", "FIRM/Eq")).toBe(false);
    expect(subtree(BOOK, "FIRM")).toHaveLength(BOOK.length);
  });

  it("filters the positions to those held at or below the node", () => {
    const ps = [pos("FIRM/Equities/EU/alice", "DAX"), pos("FIRM/Eq", "X"), pos("FIRM/Rates", "Y")];
    expect(positionsUnder(ps, "FIRM/Equities").map((p) => p.symbol)).toEqual(["DAX"]);
    expect(positionsUnder(ps, "FIRM")).toHaveLength(3);
  });

  it("gives the breadcrumb from the root and the last segment", () => {
    expect(ancestry("FIRM/Equities/EU")).toEqual(["FIRM", "FIRM/Equities", "FIRM/Equities/EU"]);
    expect(ancestry("FIRM")).toEqual(["FIRM"]);
    expect(leaf("FIRM/Equities/EU")).toBe("EU");
  });
});

describe("the chart trail of a selected node", () => {
  it("appends each publication's figures, starts again for another node, keeps at most max", () => {
    let t = { node: "", points: [] as [number, number, number][] };
    t = trailReduce(t, node("FIRM/Equities", 10, 1), 1000, 3);
    t = trailReduce(t, node("FIRM/Equities", 11, 2), 1100, 3);
    t = trailReduce(t, node("FIRM/Equities", 11, 2), 1100, 3); // the same publication again: no new point
    expect(t.points).toEqual([[1000, 1, 10], [1100, 2, 11]]);
    t = trailReduce(t, node("FIRM/Equities", 12, 3), 1200, 3);
    t = trailReduce(t, node("FIRM/Equities", 13, 4), 1300, 3);
    expect(t.points.map((p) => p[0])).toEqual([1100, 1200, 1300]);
    t = trailReduce(t, node("FIRM/Rates", 5, 0), 1400, 3);
    expect(t).toEqual({ node: "FIRM/Rates", points: [[1400, 0, 5]] });
  });
});
