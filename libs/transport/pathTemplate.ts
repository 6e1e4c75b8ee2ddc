/**
 * grpc-gateway style path templates, restricted to literal segments and
 * single-segment variables: '/admin/batch/jobs/{job_id}/start'.
 */
export interface PathTemplate {
  readonly source: string;
  readonly params: readonly string[];
  match(rawPath: string): PathMatch | undefined;
}

export type PathMatch =
  | { ok: true; params: Record<string, string> }
  | { ok: false; field: string; reason: string };

type Segment = { literal: string } | { param: string };

const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)(=\*)?\}$/;
const LITERAL = /^[A-Za-z0-9._~!$&'()+,;=:@-]+$/;

export function compilePathTemplate(source: string): PathTemplate {
  if (!source.startsWith('/')) throw new Error(`path template ${source} must start with '/'`);
  const segments: Segment[] = source
    .slice(1)
    .split('/')
    .map((s) => {
      const param = PARAM.exec(s);
      if (param) return { param: param[1]! };
      if (LITERAL.test(s)) return { literal: s };
      throw new Error(`path template ${source}: unsupported segment '${s}' (only literals and {field} are supported)`);
    });
  const params = segments.flatMap((s) => ('param' in s ? [s.param] : []));
  if (new Set(params).size !== params.length) throw new Error(`path template ${source} repeats a variable`);

  return {
    source,
    params,
    match(rawPath: string): PathMatch | undefined {
      if (!rawPath.startsWith('/')) return undefined;
      const parts = rawPath.slice(1).split('/');
      if (parts.length !== segments.length) return undefined;
      const values: Record<string, string> = {};
      let failure: PathMatch | undefined;
      for (let i = 0; i < segments.length; i++) {
        const segment = segments[i]!;
        const part = parts[i]!;
        if ('literal' in segment) {
          if (part !== segment.literal) return undefined;
          continue;
        }
        const decoded = decodeSegment(part);
        if (decoded.ok) values[segment.param] = decoded.value;
        else failure ??= { ok: false, field: segment.param, reason: decoded.reason };
      }
      return failure ?? { ok: true, params: values };
    },
  };
}

function decodeSegment(raw: string): { ok: true; value: string } | { ok: false; reason: string } {
  if (raw === '') return { ok: false, reason: 'must not be empty' };
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch (err) {
    if (err instanceof URIError) return { ok: false, reason: 'is not valid percent-encoding' };
    throw err;
  }
  if (value === '.' || value === '..') return { ok: false, reason: 'must not be a relative path segment' };
  if (/[/\\]/.test(value)) return { ok: false, reason: 'must not contain a slash' };
  if (/[\x00-\x1f\x7f]/.test(value)) return { ok: false, reason: 'must not contain control characters' };
  return { ok: true, value };
}
