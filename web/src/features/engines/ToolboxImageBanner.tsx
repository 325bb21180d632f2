import { StatusDot } from '../../components/Badge';
import { showEngineLevel, toolboxImageNotice } from '../../hooks/engine-views';
import { useEngineViews } from '../../hooks/use-console-data';

/**
 * Above every page while an engine lacks the toolbox image: `pulling nicolaka/netshoot 37%` as
 * the pull goes (pushed by the event stream), or why the pull failed. Sessions there are refused
 * until the image is in, so this says why before anyone clicks.
 */
export function ToolboxImageBanner() {
  const views = useEngineViews();
  const several = showEngineLevel(views);
  const notices = views.flatMap((view) => {
    const notice = toolboxImageNotice(view, several);
    return notice ? [{ engine: view.name, state: view.toolboxImage?.state, ...notice }] : [];
  });
  if (notices.length === 0) return null;
  return (
    <div className="toolbox-image-banner" data-testid="toolbox-image-banner">
      {notices.map((n) => (
        <p key={n.engine} className={`callout callout-${n.tone === 'ok' ? 'info' : n.tone} session-callout`} role="status" data-testid="toolbox-image-status" data-engine={n.engine} data-state={n.state}>
          <StatusDot tone={n.tone} label={n.state ?? ''} /> {n.text}
        </p>
      ))}
    </div>
  );
}
