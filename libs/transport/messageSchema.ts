import type { PackageDefinition } from '@grpc/proto-loader';

export type ScalarType =
  | 'string' | 'bytes' | 'bool' | 'double' | 'float'
  | 'int32' | 'sint32' | 'sfixed32' | 'uint32' | 'fixed32'
  | 'int64' | 'sint64' | 'sfixed64' | 'uint64' | 'fixed64';

export type ValueType =
  | { kind: 'scalar'; scalar: ScalarType }
  | { kind: 'enum'; values: ReadonlyMap<string, number> }
  | { kind: 'message'; typeName: string };

export interface FieldSchema {
  name: string;
  repeated: boolean;
  /** Set for map fields; `value` is then the map's value type. */
  mapKey?: ScalarType;
  value: ValueType;
}

export interface MessageSchema {
  fullName: string;
  fields: ReadonlyMap<string, FieldSchema>;
}

/** Message types by fully-qualified name ('ferry.v1.JobSpec'). */
export type SchemaIndex = ReadonlyMap<string, MessageSchema>;

interface FieldDescriptor {
  name: string;
  label: string;
  type: string;
  typeName: string;
}
interface MessageDescriptor {
  name: string;
  field: FieldDescriptor[];
  nestedType?: MessageDescriptor[];
  enumType?: EnumDescriptor[];
  options?: { mapEntry?: boolean } | null;
}
interface EnumDescriptor {
  name: string;
  value: { name: string; number: number }[];
}

const MESSAGE_FORMAT = 'Protocol Buffer 3 DescriptorProto';
const ENUM_FORMAT = 'Protocol Buffer 3 EnumDescriptorProto';

type Declared = { kind: 'message'; descriptor: MessageDescriptor } | { kind: 'enum'; descriptor: EnumDescriptor };

/**
 * Builds field schemas from the descriptors proto-loader keeps in the package
 * definition. Nested types appear only inside their parent's descriptor, and
 * field types are named relative to the message ('Progress', 'Tags'), so
 * every declaration is collected first and names are resolved with protobuf
 * scoping rules.
 */
export function buildSchemaIndex(pd: PackageDefinition): SchemaIndex {
  const declared = new Map<string, Declared>();
  const addMessage = (fullName: string, descriptor: MessageDescriptor): void => {
    declared.set(fullName, { kind: 'message', descriptor });
    for (const n of descriptor.nestedType ?? []) addMessage(`${fullName}.${n.name}`, n);
    for (const e of descriptor.enumType ?? []) declared.set(`${fullName}.${e.name}`, { kind: 'enum', descriptor: e });
  };
  for (const [fullName, def] of Object.entries(pd)) {
    if (def.format === MESSAGE_FORMAT) addMessage(fullName, def.type as MessageDescriptor);
    else if (def.format === ENUM_FORMAT) declared.set(fullName, { kind: 'enum', descriptor: def.type as EnumDescriptor });
  }

  const index = new Map<string, MessageSchema>();
  for (const [fullName, d] of declared) {
    if (d.kind !== 'message') continue;
    const fields = new Map<string, FieldSchema>();
    for (const f of d.descriptor.field) fields.set(f.name, fieldSchema(declared, fullName, d.descriptor, f));
    index.set(fullName, { fullName, fields });
  }
  return index;
}

/** The fully-qualified name of a message definition taken from a method's requestType/responseType. */
export function messageNameOf(pd: PackageDefinition, def: { type: unknown }): string {
  const wanted = def.type as MessageDescriptor;
  const candidates = Object.entries(pd).filter(
    ([, d]) => d.format === MESSAGE_FORMAT && (d.type as MessageDescriptor).name === wanted.name,
  );
  // Two messages may share a short name across packages; their descriptors then tell them apart.
  const exact = candidates.length === 1 ? candidates[0] : candidates.find(([, d]) => JSON.stringify(d.type) === JSON.stringify(wanted));
  if (!exact) throw new Error(`message type ${wanted.name} not found in the package definition`);
  return exact[0];
}

function fieldSchema(declared: Map<string, Declared>, scope: string, owner: MessageDescriptor, f: FieldDescriptor): FieldSchema {
  const repeated = f.label === 'LABEL_REPEATED';
  if (f.type === 'TYPE_MESSAGE') {
    const mapEntry = owner.nestedType?.find((n) => n.name === f.typeName && n.options?.mapEntry);
    if (mapEntry) {
      const [key, value] = mapEntry.field;
      return {
        name: f.name,
        repeated: false,
        mapKey: scalarOf(key!.type),
        value: valueType(declared, `${scope}.${mapEntry.name}`, value!),
      };
    }
  }
  return { name: f.name, repeated, value: valueType(declared, scope, f) };
}

function valueType(declared: Map<string, Declared>, scope: string, f: FieldDescriptor): ValueType {
  if (f.type === 'TYPE_MESSAGE') return { kind: 'message', typeName: resolve(declared, scope, f.typeName, 'message') };
  if (f.type === 'TYPE_ENUM') {
    const d = declared.get(resolve(declared, scope, f.typeName, 'enum')) as Extract<Declared, { kind: 'enum' }>;
    return { kind: 'enum', values: new Map(d.descriptor.value.map((v) => [v.name, v.number] as const)) };
  }
  return { kind: 'scalar', scalar: scalarOf(f.type) };
}

function resolve(declared: Map<string, Declared>, scope: string, typeName: string, kind: Declared['kind']): string {
  if (typeName.startsWith('.')) return typeName.slice(1);
  const parts = scope.split('.');
  for (let i = parts.length; i >= 0; i--) {
    const candidate = [...parts.slice(0, i), typeName].join('.');
    if (declared.get(candidate)?.kind === kind) return candidate;
  }
  throw new Error(`cannot resolve type ${typeName} from ${scope}`);
}

const SCALARS = new Set<string>([
  'string', 'bytes', 'bool', 'double', 'float', 'int32', 'sint32', 'sfixed32', 'uint32', 'fixed32',
  'int64', 'sint64', 'sfixed64', 'uint64', 'fixed64',
]);

function scalarOf(descriptorType: string): ScalarType {
  const name = descriptorType.replace(/^TYPE_/, '').toLowerCase();
  if (!SCALARS.has(name)) throw new Error(`unsupported field type ${descriptorType}`);
  return name as ScalarType;
}
