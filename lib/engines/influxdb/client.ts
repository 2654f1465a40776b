/**
 * InfluxDB's client helpers: bulk writes of line protocol over HTTP (the `/write` endpoint).
 *
 * @module
 */

/**
 * POST InfluxDB line protocol in batches of `batch` points; returns how many were written.
 * `precision` is the unit of the lines' timestamps (default ms); use ns when several points
 * of one series can share a millisecond, since InfluxDB keeps only the last point per
 * series and timestamp.
 */
export async function writeIntoInflux(
  url: string,
  database: string,
  lines: Iterable<string>,
  batch = 5000,
  precision: "ns" | "u" | "ms" | "s" = "ms",
): Promise<number> {
  let buf: string[] = [];
  let n = 0;
  const flush = async () => {
    if (buf.length === 0) return;
    const res = await fetch(
      `${url}/write?db=${encodeURIComponent(database)}&precision=${precision}`,
      {
        method: "POST",
        body: buf.join("\n"),
      },
    );
    if (res.status !== 204) throw new Error(`influxdb write: ${res.status} ${await res.text()}`);
    n += buf.length;
    buf = [];
  };
  for (const line of lines) {
    buf.push(line);
    if (buf.length === batch) await flush();
  }
  await flush();
  return n;
}
