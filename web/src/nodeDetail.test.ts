import { describe, expect, it } from "vitest";
import { backtestGeometry, cellColour, histogramGeometry, nodeDetailUrl, pct } from "./nodeDetail";

describe("the node detail", () => {
  it("asks for the node by path, encoded, with the page's token", () => {
    expect(nodeDetailUrl("FIRM/Equities EU", "a&b")).toBe("/api/node?path=FIRM%2FEquities+EU&token=a%26b");
    expect(nodeDetailUrl("FIRM")).toBe("/api/node?path=FIRM");
  });
  it("draws the histogram over its range with the VaR and ES at -var and -es, the bars below -VaR as tail", () => {
    const g = histogramGeometry({ histogram: { edges: [-100, -50, 0, 50], counts: [1, 4, 2] }, var_99: 50, es_975: 80 }, 300, 100);
    expect(g.bars.map((b) => [b.x, b.height, b.tail])).toEqual([[0, 25, true], [100, 100, false], [200, 50, false]]);
    expect(g.varX).toBe(100);
    expect(g.esX).toBe(40); // (-80 - -100) / 150 x 300
    expect(g.bars[0].width).toBe(99);
  });
  it("colours losses red and gains green by size, capped at the largest", () => {
    expect(cellColour(-10, 10)).toBe("rgba(220,60,60,1.000)");
    expect(cellColour(0, 10)).toBe("rgba(40,170,90,0.150)");
    expect(cellColour(20, 10)).toBe("rgba(40,170,90,1.000)");
    expect(cellColour(5, 0)).toBe("rgba(40,170,90,0.150)");
    expect([pct(-0.1), pct(0), pct(0.25)]).toEqual(["-10%", "0%", "+25%"]);
  });
});

describe("the backtest chart", () => {
  it("spans the lowest P&L or -VaR to the highest P&L, zero included, and marks the exceptions", () => {
    const days = [{ pnl: 10, var_99: 20, exception: false }, { pnl: -30, var_99: 20, exception: true }, { pnl: 5, var_99: 25, exception: false }];
    const g = backtestGeometry(days, 200, 100);
    expect([g.lo, g.hi]).toEqual([-30, 10]);
    expect(g.points.map((p) => [p.x, p.y, p.exception])).toEqual([[0, 0, false], [100, 100, true], [200, 12.5, false]]);
    expect(g.zeroY).toBe(25);
    expect(g.varLine).toBe("M0.0,75.0L100.0,75.0L200.0,87.5");
  });
});
