import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { buildSchemaIndex, messageNameOf, type SchemaIndex } from './messageSchema.js';
import { compilePathTemplate, type PathTemplate } from './pathTemplate.js';

export const FERRY_SERVICE = 'ferry.v1.BatchJobs';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RpcInfo {
  name: string;
  definition: grpc.MethodDefinition<unknown, unknown>;
  requestType: string;
  responseType: string;
}

/** One google.api.http binding of one RPC. */
export interface MethodRoute {
  rpc: RpcInfo;
  httpMethod: HttpMethod;
  template: PathTemplate;
  /** '*' for the whole request, a field name for that field, undefined for no body. */
  body?: string;
}

export interface FerryProto {
  packageDefinition: protoLoader.PackageDefinition;
  service: grpc.ServiceDefinition;
  serviceName: string;
  rpcs: RpcInfo[];
  methods: MethodRoute[];
  schema: SchemaIndex;
}

interface HttpRule {
  get?: string;
  post?: string;
  put?: string;
  patch?: string;
  delete?: string;
  body?: string;
  additional_bindings?: HttpRule[];
}

const HTTP_VERBS = ['get', 'post', 'put', 'patch', 'delete'] as const;

// dist/libs/transport -> package root; the source tree has the same depth.
const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function loadFerryProto(opts: { protoRoot?: string; file?: string; serviceName?: string } = {}): FerryProto {
  const protoRoot = opts.protoRoot ?? `${PACKAGE_ROOT}proto`;
  const serviceName = opts.serviceName ?? FERRY_SERVICE;
  const googleProtos = dirname(createRequire(import.meta.url).resolve('google-proto-files/package.json'));
  const packageDefinition = protoLoader.loadSync(opts.file ?? 'ferry/v1/jobs.proto', {
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: false,
    // Empty repeated and map fields as [] and {}, so gRPC clients (the CLI) see them as REST does.
    arrays: true,
    objects: true,
    oneofs: true,
    includeDirs: [protoRoot, googleProtos],
  });
  const service = packageDefinition[serviceName] as grpc.ServiceDefinition | undefined;
  if (!service) throw new Error(`service ${serviceName} not found in the proto`);

  const rpcs = Object.entries(service).map(([name, definition]) => ({
    name,
    definition,
    requestType: messageNameOf(packageDefinition, (definition as protoLoader.MethodDefinition<object, object>).requestType),
    responseType: messageNameOf(packageDefinition, (definition as protoLoader.MethodDefinition<object, object>).responseType),
  }));
  const methods = rpcs.flatMap((rpc) => {
    const rule = (rpc.definition as protoLoader.MethodDefinition<object, object>).options?.['(google.api.http)'] as HttpRule | undefined;
    return rule ? routesFor(rpc, rule) : [];
  });
  return { packageDefinition, service, serviceName, rpcs, methods, schema: buildSchemaIndex(packageDefinition) };
}

function routesFor(rpc: RpcInfo, rule: HttpRule): MethodRoute[] {
  const verb = HTTP_VERBS.find((v) => typeof rule[v] === 'string');
  if (!verb) throw new Error(`${rpc.name}: google.api.http rule without a supported verb`);
  const route: MethodRoute = {
    rpc,
    httpMethod: verb.toUpperCase() as HttpMethod,
    template: compilePathTemplate(rule[verb]!),
    ...(rule.body ? { body: rule.body } : {}),
  };
  return [route, ...(rule.additional_bindings ?? []).flatMap((b) => routesFor(rpc, b))];
}
