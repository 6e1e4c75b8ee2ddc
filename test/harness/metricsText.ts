/** Parses Prometheus text exposition into `name{labels}` → value, labels in the order given. */
export async function scrapeMetrics(port: number): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const out = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** Every series of metric `name` whose labels include `label="value"`. */
export function seriesWith(metrics: Map<string, number>, name: string, label: string): Array<[string, number]> {
  return [...metrics].filter(([key]) => key.startsWith(`${name}{`) && key.includes(label));
}
