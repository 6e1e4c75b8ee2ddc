import { useEffect, useState } from 'preact/hooks';

/** The console's pages live in the URL's fragment (#/jobs/ID), so every path under /console/ is one file. */
export type Route = { page: 'jobs' } | { page: 'new' } | { page: 'job'; id: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  if (path === '/jobs/new') return { page: 'new' };
  const job = /^\/jobs\/([^/]+)$/.exec(path);
  if (job) return { page: 'job', id: decodeURIComponent(job[1]!) };
  return { page: 'jobs' };
}

export function href(route: Route): string {
  switch (route.page) {
    case 'jobs':
      return '#/jobs';
    case 'new':
      return '#/jobs/new';
    case 'job':
      return `#/jobs/${encodeURIComponent(route.id)}`;
  }
}

export function navigate(route: Route): void {
  location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
