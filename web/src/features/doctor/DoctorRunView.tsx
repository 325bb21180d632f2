import type { DoctorRun, Finding } from '@sonde/shared';
import type { ReactNode } from 'react';
import { Badge, StatusDot } from '../../components/Badge';
import { checkTone, doctorStatus, SEVERITY_LABEL, SEVERITY_TONE, sortFindings } from './doctor-view';
import './doctor.css';

/**
 * One doctor run: its status, each finding (severity, what is wrong, how to fix it) with the
 * commands and output behind it folded until asked for, and the list of checks as they finish.
 */
export function DoctorRunView({ run, actions }: { run: DoctorRun; actions?: ReactNode }) {
  const status = doctorStatus(run);
  const findings = sortFindings(run.findings);
  return (
    <div className="doctor-run" data-testid="doctor-run" data-run-id={run.id} data-state={run.state}>
      <header className="doctor-run-header">
        <Badge tone={status.tone}>{status.label}</Badge>
        {run.peer && (
          <span className="muted">
            toward {run.peer.containerName}
            {run.peer.ipv4 ? ` (${run.peer.ipv4})` : ''}
          </span>
        )}
        {run.elapsedMs !== undefined && <span className="muted">{(run.elapsedMs / 1000).toFixed(1)} s</span>}
        {run.endDetail && <span className="muted">{run.endDetail}</span>}
        <span className="doctor-run-actions">{actions}</span>
      </header>
      {findings.length > 0 && (
        <ul className="doctor-findings" aria-label="Findings">
          {findings.map((finding, index) => (
            <FindingItem key={`${finding.code}-${index}`} finding={finding} />
          ))}
        </ul>
      )}
      <details className="doctor-checks" open={run.state === 'running'}>
        <summary>Checks</summary>
        <ul>
          {run.checks.map((check) => (
            <li key={check.id} data-testid="doctor-check" data-check={check.id} data-state={check.state}>
              <StatusDot tone={checkTone(check)} label={check.state} />
              <span className="doctor-check-title">{check.title}</span>
              <span className="muted">
                {check.state}
                {check.note ? `: ${check.note}` : ''}
              </span>
            </li>
          ))}
        </ul>
      </details>
    </div>
  );
}

function FindingItem({ finding }: { finding: Finding }) {
  return (
    <li className={`doctor-finding doctor-finding-${finding.severity}`} data-testid="doctor-finding" data-code={finding.code} data-severity={finding.severity}>
      <div className="doctor-finding-head">
        <Badge tone={SEVERITY_TONE[finding.severity]}>{SEVERITY_LABEL[finding.severity]}</Badge>
        <strong className="doctor-finding-title">{finding.title}</strong>
        <code className="muted mono">{finding.code}</code>
      </div>
      <p className="doctor-finding-detail">{finding.detail}</p>
      <p className="doctor-finding-fix">
        <span className="doctor-fix-label">Fix:</span> {finding.fix}
      </p>
      {finding.evidence.length > 0 && (
        <details className="doctor-evidence" data-testid="doctor-evidence">
          <summary>Evidence ({finding.evidence.length === 1 ? '1 command' : `${finding.evidence.length} commands`})</summary>
          {finding.evidence.map((item, index) => (
            <div key={index} className="doctor-evidence-item">
              <code className="mono doctor-evidence-command">$ {item.command}</code>
              <pre className="mono doctor-evidence-output">{item.output || '(no output)'}</pre>
            </div>
          ))}
        </details>
      )}
    </li>
  );
}
