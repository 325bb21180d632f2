import { TOOL_CATEGORIES, type ContainerSummary, type NetworkSummary, type TargetRequest, type ToolInfo } from '@sonde/shared';
import { useMemo, useState } from 'react';
import { useContainers, useNetworks, useRuns, useTools } from '../../hooks/use-console-data';
import { RunHistory } from './RunHistory';
import { RunPanel } from './RunPanel';
import { runIsFor, type RunPlace } from './run-labels';
import { ToolForm } from './ToolForm';

export interface LaunchContext {
  target: TargetRequest;
  /** The container the tools run in (container pages; a task page's task container). */
  container?: ContainerSummary;
  /** The network the tools' toolbox joins (network pages). */
  network?: NetworkSummary;
  /** Tools run in the host's namespace (a host terminal tab). */
  host?: boolean;
  /** Why tools cannot run here, or null. */
  blockedReason: string | null;
  /** A session's drawer whose keyboard the user holds: its runs are marked on the session's recording. */
  sessionId?: string;
}

/**
 * The tools panel of a container or network page: pick a tool, fill its typed form, run it;
 * runs started here are listed, and the chosen one shows its output and result card.
 */
export function ToolLauncher({ context }: { context: LaunchContext }) {
  const tools = useTools();
  const runs = useRuns();
  const containers = useContainers();
  const networks = useNetworks();
  const [toolId, setToolId] = useState<string | null>(null);
  const [selectedRunId, setSelectedRunId] = useState<string | null>(null);
  const [hidden, setHidden] = useState(false);
  /** The run started from this form: its panel and result scroll into view. */
  const [revealId, setRevealId] = useState<string | null>(null);
  const [sharePid, setSharePid] = useState(false);

  const catalog = tools.status === 'ready' ? tools.data : [];
  const byId = useMemo(() => new Map(catalog.map((t) => [t.id, t])), [catalog]);
  const here = (runs.status === 'ready' ? runs.data : [])
    .filter((run) => runIsFor(run, placeOf(context)))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const selectedRun = hidden ? undefined : (here.find((r) => r.id === selectedRunId) ?? (selectedRunId === null ? here[0] : undefined));
  const tool = toolId ? byId.get(toolId) : undefined;
  const joinsProcesses = context.target.kind === 'container' || context.target.kind === 'task';
  const target: TargetRequest = (context.target.kind === 'container' || context.target.kind === 'task') && sharePid ? { ...context.target, sharePid: true } : context.target;
  const suggestions = {
    containers: containers.status === 'ready' ? containers.data : [],
    networks: networks.status === 'ready' ? networks.data : [],
    ...(context.container ? { container: context.container } : {}),
    ...(context.network ? { network: context.network } : {}),
  };

  return (
    <section className="tool-launcher" data-testid="tool-launcher" aria-label="Tools">
      <h2 className="section-title">Tools</h2>
      {tools.status === 'failed' && <p className="callout callout-danger">Could not load the tool catalog: {tools.error.message}</p>}
      <div className="tool-picker">
        {TOOL_CATEGORIES.map((category) => {
          const inCategory = catalog.filter((t) => t.category === category.id);
          if (inCategory.length === 0) return null;
          return (
            <div className="tool-category" key={category.id}>
              <h3 className="tool-category-title">{category.title}</h3>
              <div className="tool-options">
                {inCategory.map((t: ToolInfo) => (
                  <button
                    key={t.id}
                    type="button"
                    className="tool-option"
                    data-testid="tool-option"
                    data-tool={t.id}
                    aria-pressed={t.id === toolId}
                    title={t.description}
                    onClick={() => setToolId(t.id === toolId ? null : t.id)}
                  >
                    {t.title}
                  </button>
                ))}
              </div>
            </div>
          );
        })}
      </div>
      {tool && joinsProcesses && (
        <label className="tool-share-pid">
          <input type="checkbox" checked={sharePid} onChange={(e) => setSharePid(e.target.checked)} />
          Also join its PID namespace (ss then shows the listening processes)
        </label>
      )}
      {tool && (
        <ToolForm
          key={`${tool.id}:${JSON.stringify(context.target)}`}
          tool={tool}
          target={target}
          suggestions={suggestions}
          blockedReason={context.blockedReason}
          {...(context.sessionId ? { sessionId: context.sessionId } : {})}
          onStarted={(run) => {
            setSelectedRunId(run.id);
            setRevealId(run.id);
            setHidden(false);
          }}
        />
      )}
      <RunHistory
        runs={here}
        tools={byId}
        selectedId={selectedRun?.id ?? null}
        onSelect={(id) => {
          setSelectedRunId(id);
          setHidden(false);
        }}
      />
      {selectedRun && <RunPanel key={selectedRun.id} run={selectedRun} tool={byId.get(selectedRun.tool)} reveal={selectedRun.id === revealId} onClose={() => setHidden(true)} />}
    </section>
  );
}

/** Where the panel is, for picking its runs out of everyone's. */
function placeOf(context: LaunchContext): RunPlace {
  const t = context.target;
  if (t.kind === 'task') {
    // Asked of the manager; the runs resolved to the task's container on its node's engine.
    return { task: { manager: t.engine ?? '', service: t.service ?? '', slot: t.slot, id: t.task }, containerId: context.container?.id, engine: context.container?.engine };
  }
  return {
    engine: t.engine,
    containerId: t.kind === 'container' ? t.container : context.container?.id,
    networkId: t.kind === 'network' ? t.network : context.network?.id,
    networkNamespace: t.kind === 'network-namespace' ? t.network : undefined,
    host: t.kind === 'host',
    pod: t.kind === 'pod' ? { namespace: t.namespace, pod: t.pod } : undefined,
    node: t.kind === 'node' ? t.node : undefined,
  };
}
