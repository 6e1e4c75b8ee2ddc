import type { MethodRoute } from './loadProto.js';
import type { PathMatch } from './pathTemplate.js';

export type RouteLookup =
  | { kind: 'none' }
  | { kind: 'method'; allowed: string[] }
  | { kind: 'found'; route: MethodRoute; match: PathMatch };

/** Templates with more literal segments first, so '/jobs/search' beats '/jobs/{job_id}'. */
export function sortRoutes(routes: readonly MethodRoute[]): MethodRoute[] {
  const literals = (r: MethodRoute) => r.template.source.split('/').length - r.template.params.length;
  return [...routes].sort((a, b) => literals(b) - literals(a));
}

export function matchRoute(routes: readonly MethodRoute[], method: string, rawPath: string): RouteLookup {
  const allowed = new Set<string>();
  for (const route of routes) {
    const match = route.template.match(rawPath);
    if (!match) continue;
    if (route.httpMethod === method) return { kind: 'found', route, match };
    allowed.add(route.httpMethod);
  }
  return allowed.size === 0 ? { kind: 'none' } : { kind: 'method', allowed: [...allowed] };
}
