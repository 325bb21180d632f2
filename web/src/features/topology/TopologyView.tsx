import type { Topology, TopologyNode } from '@sonde/shared';
import { Fragment, useEffect, useMemo, useRef, useState } from 'react';
import { Badge } from '../../components/Badge';
import { ErrorCallout } from '../../components/ErrorCallout';
import { errorText } from '../../components/error-text';
import { usePermissions } from '../../hooks/use-console-data';
import { useStartSession } from '../../hooks/use-start-session';
import { routePath } from '../../routing/routes';
import { Link } from '../../routing/RouterContext';
import { TopologyMap } from './TopologyMap';
import { downloadPng, downloadSvg } from './topology-export';
import { filterChoices, filterTopology, type TopologyFilter } from './topology-graph';
import { layoutTopology, type PositionedMap } from './topology-layout';
import './topology.css';

/**
 * The topology map: filters (Compose project, network), the drawing, the selected node's facts
 * and what to do with it (a shell, its page with tools and the doctor), and SVG/PNG export. The
 * graph comes in fresh after every engine change; the layout is recomputed for it.
 */
export function TopologyView({ topology }: { topology: Topology }) {
  const [filter, setFilter] = useState<TopologyFilter>({});
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [fit, setFit] = useState(true);
  const [map, setMap] = useState<PositionedMap | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const choices = useMemo(() => filterChoices(topology), [topology]);
  const shown = useMemo(() => filterTopology(topology, filter), [topology, filter]);

  useEffect(() => {
    let current = true;
    layoutTopology(shown.nodes, shown.edges).then(
      (laidOut) => {
        if (!current) return;
        setMap(laidOut);
        setFailure(null);
      },
      (error: unknown) => current && setFailure(`The map could not be laid out: ${errorText(error)}`),
    );
    return () => {
      current = false;
    };
  }, [shown]);

  const selected = topology.nodes.find((n) => n.id === selectedId) ?? null;
  const exportAs = (format: 'svg' | 'png') => {
    const svg = svgRef.current;
    if (!svg) return;
    const name = `sonde-topology-${new Date(topology.at).toISOString().replace(/[:.]/g, '-')}.${format}`;
    if (format === 'svg') downloadSvg(svg, name);
    else downloadPng(svg, name).catch((error: unknown) => setFailure(`The PNG could not be made: ${errorText(error)}`));
  };

  return (
    <section className="topology" data-testid="topology">
      <div className="topology-toolbar">
        <label>
          Project{' '}
          <select data-testid="topology-project" value={filter.project ?? ''} onChange={(e) => setFilter((f) => ({ ...f, project: e.target.value || undefined }))}>
            <option value="">all</option>
            {choices.projects.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          Network{' '}
          <select data-testid="topology-network" value={filter.network ?? ''} onChange={(e) => setFilter((f) => ({ ...f, network: e.target.value || undefined }))}>
            <option value="">all</option>
            {choices.networks.map((n) => (
              <option key={n.id} value={n.id}>
                {n.label}
              </option>
            ))}
          </select>
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={fit} onChange={(e) => setFit(e.target.checked)} /> fit to width
        </label>
        <span className="muted">
          {shown.nodes.length} nodes, {shown.edges.length} links · read {new Date(topology.at).toLocaleTimeString()}
        </span>
        <span className="topology-exports">
          <button type="button" className="button button-ghost button-small" data-testid="topology-export-svg" disabled={!map} onClick={() => exportAs('svg')}>
            Export SVG
          </button>
          <button type="button" className="button button-ghost button-small" data-testid="topology-export-png" disabled={!map} onClick={() => exportAs('png')}>
            Export PNG
          </button>
        </span>
      </div>
      {topology.unreachable.length > 0 && (
        <p className="callout callout-danger" role="status">
          Not on the map: {topology.unreachable.map((u) => `${u.engine} (${u.error})`).join('; ')}
        </p>
      )}
      <ErrorCallout message={failure} />
      <div className="topology-body">
        <div className={`topology-canvas${fit ? ' topology-canvas-fit' : ''}`}>
          {map ? <TopologyMap ref={svgRef} map={map} selected={selectedId} fit={fit} onSelect={(node) => setSelectedId(node.id)} /> : <p className="muted">Laying out the map…</p>}
        </div>
        {selected && <Selection node={selected} topology={topology} onClose={() => setSelectedId(null)} />}
      </div>
    </section>
  );
}

/** The selected node: its facts, and for containers and networks where to go from here. */
function Selection({ node, topology, onClose }: { node: TopologyNode; topology: Topology; onClose(): void }) {
  const { canOperate } = usePermissions();
  const { start, pending } = useStartSession();
  const dockerId = node.dockerId;
  const addresses = topology.edges.filter((e) => e.kind === 'interface' && e.from === node.id).map((e) => ({ network: topology.nodes.find((n) => n.id === e.to)?.label ?? e.to, ipv4: e.ipv4 }));
  return (
    <aside className="topology-selection" data-testid="topology-selection" data-kind={node.kind} aria-label={`${node.kind} ${node.label}`}>
      <header>
        <Badge tone="info">{node.kind}</Badge> <strong>{node.label}</strong>
        <button type="button" className="button button-ghost button-small topology-close" onClick={onClose} aria-label="Close">
          ×
        </button>
      </header>
      <dl className="topology-facts">
        <dt>engine</dt>
        <dd>{node.engine}</dd>
        {node.state && (
          <>
            <dt>state</dt>
            <dd>{node.state}</dd>
          </>
        )}
        {node.image && (
          <>
            <dt>image</dt>
            <dd className="mono">{node.image}</dd>
          </>
        )}
        {node.project && (
          <>
            <dt>compose</dt>
            <dd>
              {node.project}
              {node.service ? ` / ${node.service}` : ''}
            </dd>
          </>
        )}
        {addresses.map((a) => (
          <Fragment key={a.network}>
            <dt>{a.network}</dt>
            <dd className="mono">{a.ipv4 ?? 'no IPv4'}</dd>
          </Fragment>
        ))}
        {node.subnets && node.subnets.length > 0 && (
          <>
            <dt>subnets</dt>
            <dd className="mono">{node.subnets.join(', ')}</dd>
          </>
        )}
        {node.endpoint && (
          <>
            <dt>endpoint</dt>
            <dd className="mono">{node.endpoint}</dd>
          </>
        )}
      </dl>
      {node.kind === 'container' && dockerId && (
        <div className="topology-actions">
          {canOperate && node.state === 'running' && (
            <button type="button" className="button button-primary button-small" data-testid="topology-shell" disabled={pending} onClick={() => start({ kind: 'container', engine: node.engine, container: dockerId })}>
              {pending ? 'Starting…' : 'Open a shell'}
            </button>
          )}
          <Link className="button button-secondary button-small" data-testid="topology-open-container" to={routePath({ page: 'container', engine: node.engine, id: dockerId })}>
            Tools and doctor
          </Link>
        </div>
      )}
      {node.kind === 'network' && dockerId && (
        <div className="topology-actions">
          <Link className="button button-secondary button-small" data-testid="topology-open-network" to={routePath({ page: 'network', engine: node.engine, id: dockerId })}>
            Matrix, doctor and tools
          </Link>
        </div>
      )}
    </aside>
  );
}
