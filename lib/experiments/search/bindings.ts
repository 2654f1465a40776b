/**
 * The product-search experiment's bindings: one line per engine index (its binding file
 * beside this one), and the cache put in front of the best of them.
 *
 * @module
 */

import type { CacheBinding, SearchBinding } from "./binding.ts";
import { elasticsearchBinding } from "./elasticsearch.ts";
import { postgresGinBinding, postgresRumBinding, postgresTrgmBinding } from "./postgres.ts";
import { redisCacheBinding } from "./redis.ts";
import { sphinxBinding } from "./sphinx.ts";

/** Every search engine index the experiment measures, in the order they load. */
export const SEARCH_BINDINGS: readonly SearchBinding[] = [
  postgresGinBinding,
  postgresRumBinding,
  postgresTrgmBinding,
  sphinxBinding,
  elasticsearchBinding,
];

/** The result cache. */
export const CACHE_BINDING: CacheBinding = redisCacheBinding;
