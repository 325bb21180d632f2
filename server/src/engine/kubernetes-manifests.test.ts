/**
 * deploy/kubernetes checked offline against the Kubernetes API's own schema, as far as it can be
 * here: `kubectl create --dry-run=client` needs an API server for discovery even with
 * `--validate=false`, and none can run on this machine. The schema is the one
 * @kubernetes/client-node is generated from (the API's OpenAPI document): each model's
 * attribute map gives its fields and their types, and its declaration file says which fields the
 * API requires. Every document must be a kind at a served apiVersion, every field known to its
 * model (a misspelt field is what `kubectl apply` would silently drop or refuse), every value of
 * its type, every required field present; kustomization.yaml must list every manifest. What this
 * does not check: admission (a cluster's policies), defaults, cross-field rules such as a
 * selector matching its template's labels (checked below by hand for the Deployment).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';

const DEPLOY = new URL('../../../deploy/kubernetes/', import.meta.url);

/** The kinds the manifests may use, at the apiVersion the API serves them (the model's name). */
const KINDS: Record<string, string> = {
  'v1/Namespace': 'V1Namespace',
  'v1/ServiceAccount': 'V1ServiceAccount',
  'v1/Service': 'V1Service',
  'v1/PersistentVolumeClaim': 'V1PersistentVolumeClaim',
  'v1/ConfigMap': 'V1ConfigMap',
  'v1/Secret': 'V1Secret',
  'apps/v1/Deployment': 'V1Deployment',
  'rbac.authorization.k8s.io/v1/Role': 'V1Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'V1ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'V1RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'V1ClusterRoleBinding',
};

interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}
type Model = { getAttributeTypeMap(): Attribute[] };

const modelsDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@kubernetes/client-node')), 'gen', 'models');
const requiredCache = new Map<string, Set<string>>();

function model(name: string): Model {
  const found = (k8s as unknown as Record<string, unknown>)[name];
  if (typeof found !== 'function' || typeof (found as Partial<Model>).getAttributeTypeMap !== 'function') throw new Error(`@kubernetes/client-node has no model ${name}`);
  return found as unknown as Model;
}

/** The fields the API requires: the declaration file's properties without `?` (from the OpenAPI `required` list). */
function required(name: string): Set<string> {
  let fields = requiredCache.get(name);
  if (!fields) {
    const declaration = readFileSync(path.join(modelsDir, `${name}.d.ts`), 'utf8');
    fields = new Set([...declaration.matchAll(/^ {4}'([A-Za-z0-9_$]+)':/gm)].map((m) => m[1]!));
    requiredCache.set(name, fields);
  }
  return fields;
}

/** Every way `value` (at `where`) breaks the schema of `type`. */
function schemaProblems(value: unknown, type: string, where: string, format = ''): string[] {
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  const wrong = (expected: string) => [`${where}: expected ${expected}, found ${kind === 'string' ? JSON.stringify(value) : kind}`];
  if (type === 'any' || type === 'object') return [];
  if (type === 'string' || type === 'Date') return kind === 'string' ? [] : wrong('a string');
  if (type === 'boolean') return kind === 'boolean' ? [] : wrong('true or false');
  if (type === 'number') {
    if (kind !== 'number') return wrong('a number');
    return format.startsWith('int') && !Number.isInteger(value) ? wrong('an integer') : [];
  }
  if (type === 'IntOrString') return (kind === 'number' && Number.isInteger(value)) || kind === 'string' ? [] : wrong('an integer or a string');
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return kind === 'array' ? (value as unknown[]).flatMap((item, i) => schemaProblems(item, array[1]!, `${where}[${i}]`)) : wrong('a list');
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return kind === 'object' ? Object.entries(value as object).flatMap(([k, v]) => schemaProblems(v, map[1]!, `${where}.${k}`)) : wrong('a map');
  if (kind !== 'object') return wrong(`an object (${type})`);
  const attributes = model(type).getAttributeTypeMap();
  const object = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const [key, field] of Object.entries(object)) {
    const attribute = attributes.find((a) => a.baseName === key);
    if (!attribute) problems.push(`${where}.${key}: not a field of ${type}`);
    else problems.push(...schemaProblems(field, attribute.type, `${where}.${key}`, attribute.format));
  }
  for (const field of required(type)) {
    const attribute = attributes.find((a) => a.name === field);
    if (attribute && object[attribute.baseName] === undefined) problems.push(`${where}: ${type} requires ${attribute.baseName}`);
  }
  return problems;
}

/** The problems of one manifest document: its kind at a served version, then its schema. */
function manifestProblems(doc: unknown, where: string): string[] {
  if (!doc || typeof doc !== 'object') return [`${where}: not an object`];
  const { apiVersion, kind } = doc as { apiVersion?: unknown; kind?: unknown };
  const name = KINDS[`${String(apiVersion)}/${String(kind)}`];
  if (!name) return [`${where}: ${String(kind)} at ${String(apiVersion)} is not a kind this check knows at a served version`];
  const problems = schemaProblems(doc, name, where);
  const metadata = (doc as { metadata?: { name?: unknown } }).metadata;
  if (typeof metadata?.name !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(metadata.name)) problems.push(`${where}: metadata.name must be a DNS subdomain name`);
  return problems;
}

function manifests(): { file: string; docs: unknown[] }[] {
  return readdirSync(DEPLOY)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort()
    .map((file) => ({ file, docs: k8s.loadAllYaml(readFileSync(new URL(file, DEPLOY), 'utf8')) as unknown[] }));
}

describe('deploy/kubernetes against the API schema (offline)', () => {
  it('every document is a served kind whose fields, types and required fields match the schema', () => {
    const all = manifests();
    expect(all.flatMap((m) => m.docs).length).toBeGreaterThanOrEqual(8);
    expect(all.flatMap(({ file, docs }) => docs.flatMap((doc, i) => manifestProblems(doc, `${file}#${i}`)))).toEqual([]);
  });

  it('kustomization.yaml lists every manifest, and only those', () => {
    const kustomization = k8s.loadYaml<{ resources: string[] }>(readFileSync(new URL('kustomization.yaml', DEPLOY), 'utf8'));
    expect([...kustomization.resources].sort()).toEqual(manifests().map((m) => m.file));
  });

  it('the Deployment selects the pods of its template, and each container port and probe port agree', () => {
    const deployment = manifests()
      .flatMap((m) => m.docs)
      .find((d): d is k8s.V1Deployment => (d as { kind?: string }).kind === 'Deployment');
    expect(deployment).toBeDefined();
    const labels = deployment!.spec!.template.metadata?.labels ?? {};
    expect(Object.entries(deployment!.spec!.selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v)).toBe(true);
    for (const container of deployment!.spec!.template.spec!.containers) {
      const ports = new Set((container.ports ?? []).flatMap((p) => [p.containerPort, p.name]));
      for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) {
        if (probe?.httpGet) expect(ports.has(probe.httpGet.port as never)).toBe(true);
      }
    }
  });

  it('finds what a person gets wrong: a misspelt field, a wrong type, a missing required field, an unserved version', () => {
    const pod = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { selector: {}, template: { spec: { contianers: [] } } } };
    expect(manifestProblems(pod, 'd')).toEqual(['d.spec.template.spec.contianers: not a field of V1PodSpec', 'd.spec.template.spec: V1PodSpec requires containers']);
    const typed = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: '1', selector: {}, template: { spec: { containers: [{ name: 'a', env: [{ name: 'N', value: 1 }], ports: [{ containerPort: 80.5 }] }] } } } };
    expect(manifestProblems(typed, 'd')).toEqual(['d.spec.replicas: expected a number, found "1"', 'd.spec.template.spec.containers[0].env[0].value: expected a string, found number', 'd.spec.template.spec.containers[0].ports[0].containerPort: expected an integer, found number']);
    expect(manifestProblems({ apiVersion: 'extensions/v1beta1', kind: 'Deployment', metadata: { name: 'x' } }, 'd')).toEqual(['d: Deployment at extensions/v1beta1 is not a kind this check knows at a served version']);
    expect(manifestProblems({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'x' }, subjects: [{ kind: 'ServiceAccount' }] }, 'b')).toEqual(['b.subjects[0]: RbacV1Subject requires name', 'b: V1RoleBinding requires roleRef']);
  });
});
