// A streaming time series with uPlot: the chart is created once and fed with setData, so a new
// point costs a canvas redraw, not a DOM re-render.
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export function Chart({ title, series, color, data }: { title: string; series: string; color: string; data: [number[], number[]] }) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    if (!el.current) return;
    plot.current = new uPlot(
      {
        title,
        width: el.current.clientWidth || 600,
        height: 220,
        scales: { x: { time: true } },
        series: [{}, { label: series, stroke: color, width: 1.5 }],
        axes: [{ stroke: "#aab" }, { stroke: "#aab", size: 70 }],
      },
      [[], []],
      el.current,
    );
    const resize = () => plot.current?.setSize({ width: el.current?.clientWidth || 600, height: 220 });
    window.addEventListener("resize", resize);
    return () => {
      window.removeEventListener("resize", resize);
      plot.current?.destroy();
    };
  }, [title, series, color]);
  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);
  return <div className="chart" ref={el} />;
}
