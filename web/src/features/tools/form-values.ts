/**
 * A tool form's state (what the inputs hold: text and checkboxes) and its conversion to the
 * typed `params` of POST /api/runs, validated with the same shared validators the server uses.
 */
import { validateParamValue, validateToolParams, type ParamSpec, type ParamValue, type ToolInfo } from '@sonde/shared';

export type FormValues = Record<string, string | boolean>;

const NUMERIC = new Set<ParamSpec['type']>(['count', 'seconds', 'port']);

/** Defaults as the inputs show them; parameters without a default start empty. */
export function initialFormValues(tool: ToolInfo, preset: Readonly<Record<string, string>> = {}): FormValues {
  const values: FormValues = {};
  for (const param of tool.params) {
    if (param.type === 'flag') values[param.name] = param.default === true;
    else values[param.name] = preset[param.name] ?? (param.default === undefined ? '' : String(param.default));
  }
  return values;
}

/** Input text → wire value: whole numbers for numeric types (anything else is left for the validator to refuse). */
function toValue(param: ParamSpec, raw: string | boolean): ParamValue | undefined {
  if (param.type === 'flag') return raw === true;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (text === '') return undefined;
  if (NUMERIC.has(param.type) && /^\d{1,9}$/.test(text)) return Number(text);
  return text;
}

/** The params object to send: empty inputs are left out, so the server applies defaults. */
export function formParams(tool: ToolInfo, values: FormValues): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const param of tool.params) {
    const value = toValue(param, values[param.name] ?? '');
    if (value !== undefined) params[param.name] = value;
  }
  return params;
}

/** One message per invalid field, in the server's words ("must not start with "-"", "is required"). */
export function fieldErrors(tool: ToolInfo, values: FormValues): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const param of tool.params) {
    const value = toValue(param, values[param.name] ?? '');
    if (value === undefined) {
      if (param.required && param.default === undefined) errors[param.name] = 'is required';
      continue;
    }
    const checked = validateParamValue(param, value);
    if (!checked.ok) errors[param.name] = checked.reason;
  }
  return errors;
}

/** Whether the whole form would pass the server's validation. */
export function formIsValid(tool: ToolInfo, values: FormValues): boolean {
  return validateToolParams(tool, formParams(tool, values)).ok;
}
