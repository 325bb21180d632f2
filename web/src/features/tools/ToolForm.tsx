import { findTool, paramReader, validateToolParams, type RunInfo, type TargetRequest, type ToolInfo } from '@sonde/shared';
import { useState } from 'react';
import { ErrorCallout } from '../../components/ErrorCallout';
import { usePendingAction } from '../../components/use-pending-action';
import { useConsoleData } from '../../hooks/use-console-data';
import { fieldErrors, formIsValid, formParams, initialFormValues, type FormValues } from './form-values';
import { ParamField } from './ParamField';
import { suggestionsFor, type SuggestionContext } from './target-suggestions';

interface ToolFormProps {
  tool: ToolInfo;
  target: TargetRequest;
  suggestions: SuggestionContext;
  /** Why nothing can run here (the container is stopped…), or null. */
  blockedReason: string | null;
  /** Started from this session's drawer (the server marks the run on its recording). */
  sessionId?: string;
  onStarted(run: RunInfo): void;
}

/** The command the server will run for these values (two-sided tools learn the peer address later). */
function preview(tool: ToolInfo, values: FormValues): string | null {
  const definition = findTool(tool.id);
  const checked = validateToolParams(tool, formParams(tool, values));
  if (!definition || !checked.ok) return null;
  // For reading only: it is never run through a shell. curl's multi-line -w format is elided.
  const quote = (arg: string) => (arg.includes('\n') ? "'…'" : /^[A-Za-z0-9_./:=@,+%<>-]+$/.test(arg) ? arg : `'${arg}'`);
  const reader = paramReader(checked.values);
  const main = definition.build(reader, {}).map(quote).join(' ');
  return definition.peer ? `${definition.peer.build(reader).join(' ')}  # in ${String(checked.values[definition.peer.param])}\n${main}` : main;
}

/** A typed form for one tool: defaults and bounds from the catalog, the server's validators, a run button. */
export function ToolForm({ tool, target, suggestions, blockedReason, sessionId, onStarted }: ToolFormProps) {
  const data = useConsoleData();
  const [values, setValues] = useState<FormValues>(() => initialFormValues(tool));
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const starting = usePendingAction();
  const { pending, error: serverError } = starting;

  const errors = fieldErrors(tool, values);
  const valid = formIsValid(tool, values);
  const command = preview(tool, values);

  const run = () => {
    setSubmitted(true);
    if (!valid || pending || blockedReason) return;
    starting.run(() => data.runs.start({ tool: tool.id, target, params: formParams(tool, values), ...(sessionId ? { sessionId } : {}) }), onStarted);
  };

  return (
    <form
      className="tool-form"
      aria-label={`${tool.title} parameters`}
      onSubmit={(event) => {
        event.preventDefault();
        run();
      }}
    >
      <p className="tool-description">{tool.description}</p>
      {tool.params.length > 0 && (
        <div className="tool-fields">
          {tool.params.map((param) => (
            <ParamField
              key={param.name}
              param={param}
              value={values[param.name] ?? ''}
              error={submitted || touched.has(param.name) ? errors[param.name] : undefined}
              suggestions={suggestionsFor(param, suggestions)}
              disabled={pending}
              onChange={(value) => {
                setValues((current) => ({ ...current, [param.name]: value }));
                setTouched((current) => new Set(current).add(param.name));
              }}
            />
          ))}
        </div>
      )}
      {command && (
        <pre className="tool-command mono" title="The exact argv, run without a shell">
          {command}
        </pre>
      )}
      <ErrorCallout message={serverError} />
      <div className="tool-form-actions">
        <button type="submit" className="button button-primary" data-testid="run-tool" disabled={pending || Boolean(blockedReason)} aria-busy={pending || undefined}>
          {pending ? 'Starting…' : `Run ${tool.title}`}
        </button>
        {blockedReason && <span className="action-reason">{blockedReason}</span>}
        {tool.capabilities.length > 0 && <span className="muted tool-caps">needs {tool.capabilities.join(', ')}</span>}
      </div>
    </form>
  );
}
