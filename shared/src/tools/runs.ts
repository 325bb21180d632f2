import Type, { type Static } from 'typebox';
import { ResolvedTarget, TargetRequest } from '../sessions.js';
import { TOOL_CATEGORY_IDS, type ToolDefinition } from './catalog.js';
import { ParamSpec, ParamValue, validateParamValue } from './param-types.js';
import { RESULT_KINDS, ToolResult } from './results.js';

/** Wire shapes of GET /api/tools and /api/runs (docs/api.md, "Tools and runs"). */

export const ToolInfo = Type.Object({
  id: Type.String(),
  title: Type.String(),
  category: Type.Enum(TOOL_CATEGORY_IDS),
  description: Type.String(),
  params: Type.Array(ParamSpec),
  capabilities: Type.Array(Type.String()),
  binary: Type.String(),
  /** Which structured result a finished run carries, if any. */
  resultKind: Type.Optional(Type.Enum(RESULT_KINDS)),
  /** Two-sided tools start a second toolbox in the container named by `param`. */
  peer: Type.Optional(Type.Object({ param: Type.String(), role: Type.String() })),
});
export type ToolInfo = Static<typeof ToolInfo>;
export const ToolList = Type.Array(ToolInfo);

export function toolInfo(tool: ToolDefinition): ToolInfo {
  return {
    id: tool.id,
    title: tool.title,
    category: tool.category,
    description: tool.description,
    params: tool.params,
    capabilities: tool.capabilities,
    binary: tool.binary,
    ...(tool.resultKind ? { resultKind: tool.resultKind } : {}),
    ...(tool.peer ? { peer: { param: tool.peer.param, role: tool.peer.role } } : {}),
  };
}

const ParamName = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9]{0,31}$' });

export const CreateRunRequest = Type.Object(
  {
    tool: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' }),
    target: TargetRequest,
    params: Type.Optional(Type.Record(ParamName, ParamValue, { maxProperties: 16 })),
    /**
     * Started from this session's Tools drawer: its recording gets a marker when the run starts
     * and when it ends. The caller must see and drive the session, and the target must be its.
     */
    sessionId: Type.Optional(Type.String({ pattern: '^[a-f0-9]{32}$' })),
  },
  { additionalProperties: false },
);
export type CreateRunRequest = Static<typeof CreateRunRequest>;

export const RunState = Type.Union([Type.Literal('running'), Type.Literal('exited')]);
export type RunState = Static<typeof RunState>;

export const RunInfo = Type.Object({
  id: Type.String(),
  tool: Type.String(),
  /** Who started it: only they and admins may see, follow or cancel it. */
  owner: Type.Object({ id: Type.String(), name: Type.String() }),
  target: ResolvedTarget,
  /** The session whose drawer started it (its recording has the run's markers). */
  sessionId: Type.Optional(Type.String()),
  /** The validated parameters, defaults filled in. */
  params: Type.Record(Type.String(), ParamValue),
  /** The argv the toolbox runs (no shell). */
  argv: Type.Array(Type.String()),
  state: RunState,
  /** The tool's exit status; null while it runs, -1 when it was ended from outside. */
  exitCode: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  endedAt: Type.Optional(Type.String()),
  endReason: Type.Optional(Type.String()),
  /** The run hit its time limit and was interrupted (Ctrl-C) by the server. */
  limitReached: Type.Boolean(),
  limitSeconds: Type.Integer(),
  toolbox: Type.Object({ containerId: Type.String(), image: Type.String() }),
  /** Two-sided tools: the other toolbox and where it ran. */
  peer: Type.Optional(
    Type.Object({
      role: Type.String(),
      containerId: Type.String(),
      containerName: Type.String(),
      address: Type.String(),
      argv: Type.Array(Type.String()),
    }),
  ),
  result: Type.Optional(ToolResult),
  ttyPath: Type.String(),
});
export type RunInfo = Static<typeof RunInfo>;
export const RunList = Type.Array(RunInfo);

export type ParamCheck =
  | { ok: true; values: Record<string, ParamValue> }
  | { ok: false; field: string; reason: string };

/**
 * Checks a run's parameters against its tool: unknown names, missing required values, then
 * each value's type. Defaults are filled in. `field` is the parameter name, for messages such
 * as `body.params.host must not start with "-"`.
 */
export function validateToolParams(tool: Pick<ToolInfo, 'id' | 'params'>, input: Readonly<Record<string, unknown>>): ParamCheck {
  const known = new Set(tool.params.map((p) => p.name));
  for (const name of Object.keys(input)) {
    if (!known.has(name)) return { ok: false, field: name, reason: `is not a parameter of ${tool.id}` };
  }
  const values: Record<string, ParamValue> = {};
  for (const spec of tool.params) {
    const given = input[spec.name];
    if (given === undefined || given === '') {
      if (spec.default !== undefined) values[spec.name] = spec.default;
      else if (spec.required) return { ok: false, field: spec.name, reason: 'is required' };
      continue;
    }
    const checked = validateParamValue(spec, given);
    if (!checked.ok) return { ok: false, field: spec.name, reason: checked.reason };
    values[spec.name] = checked.value;
  }
  return { ok: true, values };
}
