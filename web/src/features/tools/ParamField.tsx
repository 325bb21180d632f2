import { DNS_RECORD_TYPES, PARAM_TYPE_DESCRIPTIONS, type ParamSpec } from '@sonde/shared';
import { useId } from 'react';
import type { Suggestion } from './target-suggestions';

interface ParamFieldProps {
  param: ParamSpec;
  value: string | boolean;
  /** Shown under the input once the user touched it (or tried to run). */
  error: string | undefined;
  suggestions: readonly Suggestion[];
  disabled: boolean;
  onChange(value: string | boolean): void;
}

const NUMERIC = new Set<ParamSpec['type']>(['count', 'seconds', 'port']);

/** One typed parameter: the input that fits its type, its suggestions, and the validator's reason. */
export function ParamField({ param, value, error, suggestions, disabled, onChange }: ParamFieldProps) {
  const id = useId();
  const listId = `${id}-choices`;
  const hint = param.description ?? PARAM_TYPE_DESCRIPTIONS[param.type];
  const common = {
    id,
    'data-testid': 'tool-param',
    'data-name': param.name,
    disabled,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': error ? `${id}-error` : undefined,
  } as const;

  if (param.type === 'flag') {
    return (
      <label className="tool-field tool-field-flag" htmlFor={id}>
        <input {...common} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />
        <span>{param.label}</span>
      </label>
    );
  }

  const choices = param.type === 'recordType' ? [...DNS_RECORD_TYPES] : param.type === 'choice' ? (param.choices ?? []) : null;
  const text = typeof value === 'string' ? value : '';
  return (
    <div className="tool-field">
      <label className="field-label" htmlFor={id} title={hint}>
        {param.label}
        {param.required && param.default === undefined && <span className="tool-field-required"> *</span>}
      </label>
      {choices ? (
        <select {...common} className="input" value={text} onChange={(e) => onChange(e.target.value)}>
          {!param.required && param.default === undefined && <option value="">—</option>}
          {choices.map((choice) => (
            <option key={choice} value={choice}>
              {choice}
            </option>
          ))}
        </select>
      ) : (
        <>
          <input
            {...common}
            className="input mono"
            type={NUMERIC.has(param.type) ? 'number' : 'text'}
            {...(NUMERIC.has(param.type) ? { min: param.min ?? 1, max: param.max ?? (param.type === 'port' ? 65535 : undefined) } : {})}
            value={text}
            placeholder={param.type === 'container' ? 'container name' : (param.description ?? '')}
            list={suggestions.length > 0 ? listId : undefined}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => onChange(e.target.value)}
          />
          {suggestions.length > 0 && (
            <datalist id={listId}>
              {suggestions.map((s) => (
                <option key={s.value} value={s.value} label={s.label} />
              ))}
            </datalist>
          )}
        </>
      )}
      {error && (
        <span className="tool-field-error" id={`${id}-error`} role="alert">
          {param.label} {error}
        </span>
      )}
    </div>
  );
}
