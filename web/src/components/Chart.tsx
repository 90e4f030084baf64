// A streaming time series with uPlot: the chart is created once and fed with setData, so a new
// point costs a canvas redraw, not a DOM re-render. Times in seconds (uPlot's unit). The x range is
// the caller's (`x`): dragging across the plot proposes a range (onZoom([min, max])), a double click
// asks for the whole window (onZoom(null)). Charts with the same syncKey share their cursor.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { fmt, tickLabels } from "../format";

const HEIGHT = 220;
const AXIS_FONT = "12px system-ui, sans-serif";
let measurer: CanvasRenderingContext2D | null = null;
const labelWidths = new Map<string, Map<uPlot, number>>(); // by sync group, each chart's widest y label

// The y axis's width: the widest tick label of the sync group (so that the charts' x axes line up),
// plus the tick (10 px), the gap (5 px) and a margin.
const axisSize = (group: string) => (u: uPlot, values: string[] | null): number => {
  measurer ??= document.createElement("canvas").getContext("2d");
  if (measurer) measurer.font = AXIS_FONT;
  const widest = Math.max(0, ...(values ?? []).map((v) => measurer?.measureText(v).width ?? 8 * v.length));
  const widths = labelWidths.get(group) ?? new Map<uPlot, number>();
  labelWidths.set(group, widths.set(u, widest));
  return Math.ceil(Math.max(...widths.values())) + 20;
};

export interface ChartProps {
  title: string;
  series: string;
  color: string;
  data: [number[], number[]];
  x: [number, number];
  syncKey: string;
  onZoom: (range: [number, number] | null) => void;
  testId?: string;
}

export function Chart({ title, series, color, data, x, syncKey, onZoom, testId }: ChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef({ data, x, onZoom });
  latest.current = { data, x, onZoom };

  useEffect(() => {
    if (!el.current) return;
    const zoom = (r: [number, number] | null) => latest.current.onZoom(r);
    const u = new uPlot(
      {
        title,
        width: el.current.clientWidth || 600,
        height: HEIGHT,
        scales: { x: { time: true } },
        // hover: the point's exact time and value (to the cent)
        series: [{ value: (_u, t) => (t == null ? "–" : new Date(t * 1000).toLocaleString("en-GB", { hour12: false })) },
          { label: series, stroke: color, width: 1.5, value: (_u, v) => (v == null ? "–" : fmt(v, 2)) }],
        axes: [
          { stroke: "#aab", font: AXIS_FONT },
          { stroke: "#aab", font: AXIS_FONT, size: axisSize(syncKey), values: (_u, splits, _i, _space, incr) => tickLabels(splits, incr) },
        ],
        cursor: {
          drag: { x: true, y: false, setScale: false, dist: 5 },
          sync: { key: syncKey, filters: { pub: (type) => type === "mousemove" } }, // the cursor only: zoom goes through onZoom
          bind: { dblclick: () => () => (zoom(null), null) },
        },
        hooks: {
          setSelect: [
            (p) => {
              const { left, width } = p.select;
              if (width <= 0) return;
              zoom([p.posToVal(left, "x"), p.posToVal(left + width, "x")]);
              p.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            },
          ],
        },
      },
      [[], []],
      el.current,
    );
    plot.current = u;
    u.setData(latest.current.data, false);
    u.setScale("x", { min: latest.current.x[0], max: latest.current.x[1] });
    // follow the container's width (the layout changes as panels fill), not just the window's
    let width = el.current.clientWidth;
    const resize = new ResizeObserver(() => {
      const w = el.current?.clientWidth || 600;
      if (w !== width) u.setSize({ width: (width = w), height: HEIGHT });
    });
    resize.observe(el.current);
    return () => {
      resize.disconnect();
      u.destroy();
      labelWidths.get(syncKey)?.delete(u);
      plot.current = null;
    };
  }, [title, series, color, syncKey]);

  useEffect(() => {
    // setScale also re-ranges y to the points in view and redraws.
    plot.current?.setData(data, false);
    plot.current?.setScale("x", { min: x[0], max: x[1] });
  }, [data, x]);

  // data-first-ms: the first point's time, for tests
  return <div className="chart" ref={el} data-testid={testId} data-points={data[0].length}
    data-first-ms={data[0].length ? Math.round(data[0][0] * 1000) : undefined} />;
}
