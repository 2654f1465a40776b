/**
 * Elasticsearch (or OpenSearch, which answers the same REST calls): a search cluster reached
 * over HTTP. Neither is packaged for Debian 12 or npm, so it runs through docker or
 * BENCH_ELASTICSEARCH_URL=http://host:9200 (security off, or credentials in the URL).
 */

import type { EngineDefinition, EngineNode } from "../types.ts";

/** GET a path of the cluster as JSON. */
export async function esJson<T = Record<string, unknown>>(
  node: Pick<EngineNode, "url">,
  path: string,
  init: RequestInit = {},
): Promise<T> {
  const res = await fetch(new URL(path, node.url), {
    ...init,
    headers: { "content-type": "application/json", ...init.headers },
    signal: init.signal ?? AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`elasticsearch ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text) as T;
}

/** Elasticsearch's definition for the engine registry. */
export const elasticsearch: EngineDefinition = {
  name: "elasticsearch",
  describe: "Elasticsearch 8 / OpenSearch 2 (docker or external URL)",
  urlEnv: "BENCH_ELASTICSEARCH_URL",
  ping: (node) => esJson(node, "/"),
  version: async (node) =>
    (await esJson<{ version: { number: string } }>(node, "/")).version.number,
  nativeMissing: () => ({
    reason:
      "no Elasticsearch/OpenSearch/Meilisearch server here (vendor-repository Java/Rust servers, not in Debian 12 or npm)",
    fatal: false,
  }),
  docker: {
    image: "docker.elastic.co/elasticsearch/elasticsearch:8.15.3",
    port: 9200,
    env: {
      "discovery.type": "single-node",
      "xpack.security.enabled": "false",
      ES_JAVA_OPTS: "-Xms1g -Xmx1g",
    },
    readyLog: { pattern: /"current.health":"(GREEN|YELLOW)"|started/ },
    url: (host, port) => `http://${host}:${port}/`,
  },
};
