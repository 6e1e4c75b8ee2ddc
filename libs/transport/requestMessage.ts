import { FerryError, invalidField } from '../domain/errors.js';
import type { MethodRoute } from './loadProto.js';
import type { SchemaIndex } from './messageSchema.js';
import { jsonToMessage, messageSchema, valueFromText } from './messageValues.js';

/** Fails start-up when an annotation names a field the request message cannot take from the URL or body. */
export function checkRouteFields(schema: SchemaIndex, route: MethodRoute): void {
  const request = messageSchema(schema, route.rpc.requestType);
  for (const param of route.template.params) {
    const field = request.fields.get(param);
    if (!field || field.repeated || field.mapKey || field.value.kind === 'message') {
      throw new Error(`${route.rpc.name}: path variable {${param}} is not a singular scalar field of ${request.fullName}`);
    }
  }
  if (route.body && route.body !== '*' && !request.fields.has(route.body)) {
    throw new Error(`${route.rpc.name}: body field ${route.body} is not a field of ${request.fullName}`);
  }
}

/**
 * The request message from, in grpc-gateway's order of precedence: path
 * variables, then the JSON body (all of it, or one field), then the query
 * string for routes whose body does not cover the whole message.
 */
export function buildRequestMessage(
  schema: SchemaIndex,
  route: MethodRoute,
  params: Record<string, string>,
  query: URLSearchParams,
  body: unknown,
): Record<string, unknown> {
  const typeName = route.rpc.requestType;
  const request = messageSchema(schema, typeName);
  let message: Record<string, unknown> = {};
  if (route.body === '*') message = jsonToMessage(schema, typeName, body);
  else if (route.body) message = jsonToMessage(schema, typeName, { [route.body]: body });

  for (const key of new Set(query.keys())) {
    if (route.body === '*') throw invalidField(key, 'query parameters are not accepted on this route');
    const field = request.fields.get(key);
    if (!field) throw invalidField(key, 'unknown field');
    if (key === route.body || key in params) throw invalidField(key, 'is already set by the path or body');
    if (field.mapKey || field.value.kind === 'message') throw invalidField(key, 'cannot be set from the query string');
    const values = query.getAll(key);
    if (!field.repeated && values.length > 1) throw invalidField(key, 'given more than once');
    const parsed = values.map((v, i) => valueFromText(field.value, v, field.repeated ? `${key}[${i}]` : key));
    message[key] = field.repeated ? parsed : parsed[0];
  }

  for (const [name, text] of Object.entries(params)) {
    message[name] = valueFromText(request.fields.get(name)!.value, text, name);
  }
  return message;
}

export function isInvalidArgument(err: unknown): err is FerryError {
  return err instanceof FerryError && err.code === 'INVALID_ARGUMENT';
}
