import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { bytes } from '../format.js';

/** Times (s since the epoch) and rates (bytes/s) as pushed by the job's watch stream. */
export type RateSeries = [number[], number[]];

/** The copy rate over time (uPlot on a canvas), redrawn as points arrive. */
export function RateChart({ series }: { series: RateSeries }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);

  useEffect(() => {
    const el = box.current!;
    const chart = new uPlot(
      {
        width: el.clientWidth || 600,
        height: 180,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1024, max * 1.1)] } },
        axes: [{}, { values: (_u, ticks) => ticks.map((t) => `${bytes(t)}/s`), size: 80 }],
        series: [{}, { label: 'rate', stroke: '#2563eb', fill: 'rgba(37, 99, 235, 0.12)', width: 2 }],
      },
      series,
      el,
    );
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: el.clientWidth, height: 180 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(series);
  }, [series]);

  return <div class="chart" ref={box} data-testid="rate-chart" />;
}
